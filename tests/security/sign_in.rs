//! Findings 1 and 2: sign-in floods neither exhaust memory nor reset or dodge the throttle.
