//! Finding 9: bounded lists in request bodies (a visit raises at most so many issues).
