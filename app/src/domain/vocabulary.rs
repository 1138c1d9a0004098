//! Closed lists of codes with labels, as used across the domain.

/// Declares a closed list of `(Variant, "code", "Label")` with `code`, `label`, `parse`, `ALL`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(input: &str) -> Result<Self, $crate::domain::ParseError> {
                let s = input.trim();
                Self::ALL.iter().copied().find(|v| v.code() == s).ok_or_else(|| {
                    $crate::domain::ParseError(format!("\"{}\" is not a known {}.", s, $what))
                })
            }

            /// The code or the label (any case), as a spreadsheet may hold either.
            #[allow(dead_code)]
            pub fn parse_code_or_label(input: &str) -> Result<Self, $crate::domain::ParseError> {
                let s = input.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code().eq_ignore_ascii_case(s) || v.label().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let known: Vec<&str> = Self::ALL.iter().map(|v| v.label()).collect();
                        $crate::domain::ParseError(format!(
                            "\"{}\" is not a known {} ({}).",
                            s,
                            $what,
                            known.join(", ")
                        ))
                    })
            }
        }
    };
}

pub(crate) use vocabulary;
