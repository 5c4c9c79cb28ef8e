//! Finding 4: no open redirect through next= on the language switch or sign-in.
