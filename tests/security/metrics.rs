//! Finding 7: made-up HTTP methods and unmatched paths do not grow the metrics.
