//! Finding 5: an Open311 key works only under /open311/v2, on the requests it reported.
