"""Campaigns, coupons, loyalty programs and referrals."""
