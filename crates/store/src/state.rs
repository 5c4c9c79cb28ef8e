//! Life-cycle states stored as text columns (jobs, notifications).

/// Declares a state enum stored as its snake_case name: `as_str` for writing, `FromStr` (an
/// `Invalid` naming the accepted values) for reading input and rows, `Display`, and `ALL`.
macro_rules! state_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident => $text:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];
            /// The stored names, in the order of [`Self::ALL`].
            pub const NAMES: &'static [&'static str] = &[$($text),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::StoreError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|state| state.as_str() == s).ok_or(
                    $crate::error::StoreError::invalid(
                        "state",
                        gridloop_core::Rule::OneOf { allowed: Self::NAMES },
                    ),
                )
            }
        }
    };
}
pub(crate) use state_enum;
