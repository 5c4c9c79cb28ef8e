//! Finding 3: slow and half-open clients neither starve others nor hold up shutdown.
