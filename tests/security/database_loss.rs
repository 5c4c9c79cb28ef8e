//! Beyond the findings: an instance whose database goes away answers 503 and recovers by itself.
