//! Finding 14: Open311 status_notes show only what a unit marked public.
