//! Finding 6: Kannel's delivery reports need the deployment's secret in their URL.
