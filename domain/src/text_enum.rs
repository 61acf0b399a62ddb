//! The one way an enum becomes text and back. `text_enum!` declares an enum with the text of each
//! variant, and from that one table derives `ALL`, `as_str`, `parse`, `FromStr`, `Display` and
//! serde in both directions. Wire names, D1 columns, query filters and the SPA all read these
//! strings, so a variant's text is written once and cannot drift between them.
//!
//! A declarative macro rather than `strum` or serde's `rename` attributes: it adds no crate, its
//! serde impls are a string match (smaller in wasm than derived enum visitors), and a text that is
//! not a variant is an error that names the type, never a default.

/// A text that names no variant of the enum `kind`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} \u{201c}{value}\u{201d}")]
pub struct UnknownValue {
    /// The enum's name (`ConnectionStatus`).
    pub kind: &'static str,
    /// The text that was read.
    pub value: String,
}

/// What the macro implements, so the serde visitor below is written once for every enum.
pub trait TextEnum: Sized + 'static {
    /// The enum's name, for errors.
    const KIND: &'static str;
    /// The variant named `value`, if any.
    fn parse(value: &str) -> Option<Self>;
}

/// Deserializes any `TextEnum` from a string.
pub struct TextVisitor<T>(core::marker::PhantomData<T>);

impl<T> TextVisitor<T> {
    /// A visitor for `T`.
    pub const fn new() -> Self {
        TextVisitor(core::marker::PhantomData)
    }
}

impl<T> Default for TextVisitor<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: TextEnum> serde::de::Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "a {} name", T::KIND)
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
        T::parse(value).ok_or_else(|| E::custom(UnknownValue { kind: T::KIND, value: value.to_string() }))
    }
}

/// Declare an enum whose variants are named by text:
///
/// ```
/// domain::text_enum! {
///     /// Doc comments and extra derives pass through.
///     #[derive(PartialOrd, Ord)]
///     pub enum Colour {
///         Red = "red",
///         DarkBlue = "dark_blue",
///     }
/// }
/// assert_eq!(Colour::DarkBlue.as_str(), "dark_blue");
/// assert_eq!("red".parse::<Colour>(), Ok(Colour::Red));
/// assert_eq!(Colour::parse("pink"), None);
/// assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The text of the variant: on the wire, in D1, in query filters.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }

            /// The variant named `value`, if any (`FromStr` says which text was unknown).
            pub fn parse(value: &str) -> Option<$name> {
                match value {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl $crate::text_enum::TextEnum for $name {
            const KIND: &'static str = stringify!($name);
            fn parse(value: &str) -> Option<Self> {
                $name::parse(value)
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::text_enum::UnknownValue;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                $name::parse(value).ok_or_else(|| $crate::text_enum::UnknownValue {
                    kind: stringify!($name),
                    value: value.to_string(),
                })
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::text_enum::serde::Serialize for $name {
            fn serialize<S: $crate::text_enum::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::text_enum::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::text_enum::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::text_enum::TextVisitor::<$name>::new())
            }
        }

        // The OpenAPI schema (`openapi.rs`): a string, one of the texts. `cfg` is read where the
        // macro is used, so only `domain`'s own enums get it, and only with its feature on.
        #[cfg(feature = "openapi")]
        impl $crate::text_enum::utoipa::PartialSchema for $name {
            fn schema() -> $crate::text_enum::utoipa::openapi::RefOr<$crate::text_enum::utoipa::openapi::schema::Schema> {
                $crate::text_enum::enum_schema(&[$($text),+])
            }
        }

        #[cfg(feature = "openapi")]
        impl $crate::text_enum::utoipa::ToSchema for $name {}
    };
}

#[doc(hidden)]
pub use serde;

#[cfg(feature = "openapi")]
#[doc(hidden)]
pub use utoipa;

/// The schema of a `text_enum!`: a string that is one of `texts`.
#[cfg(feature = "openapi")]
#[doc(hidden)]
pub fn enum_schema(texts: &[&str]) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(texts.iter().copied())).into()
}

#[cfg(test)]
mod tests {
    text_enum! {
        #[derive(PartialOrd, Ord)]
        enum Fruit {
            Apple = "apple",
            BloodOrange = "blood_orange",
        }
    }

    #[test]
    fn text_round_trips_through_every_path() {
        for fruit in Fruit::ALL {
            assert_eq!(Fruit::parse(fruit.as_str()), Some(fruit));
            assert_eq!(fruit.as_str().parse::<Fruit>(), Ok(fruit));
            assert_eq!(fruit.to_string(), fruit.as_str());
            let json = serde_json::to_string(&fruit).unwrap();
            assert_eq!(json, format!("\"{}\"", fruit.as_str()));
            assert_eq!(serde_json::from_str::<Fruit>(&json).unwrap(), fruit);
        }
        assert_eq!(Fruit::ALL, [Fruit::Apple, Fruit::BloodOrange]);
        assert!(Fruit::Apple < Fruit::BloodOrange, "extra derives pass through");
    }

    #[test]
    fn unknown_text_is_an_error_naming_the_type() {
        assert_eq!(Fruit::parse("pear"), None);
        let wrong = "pear".parse::<Fruit>().unwrap_err();
        assert_eq!(wrong.to_string(), "unknown Fruit \u{201c}pear\u{201d}");
        let wire = serde_json::from_str::<Fruit>("\"pear\"").unwrap_err().to_string();
        assert!(wire.contains("unknown Fruit"), "{wire}");
        assert!(serde_json::from_str::<Fruit>("3").is_err());
        // Escaped JSON strings reach the visitor decoded.
        assert_eq!(serde_json::from_str::<Fruit>(r#""\u0061pple""#).unwrap(), Fruit::Apple);
    }
}
