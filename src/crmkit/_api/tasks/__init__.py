"""Users, tasks, routing and date-driven automation."""
