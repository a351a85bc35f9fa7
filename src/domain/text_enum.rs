//! `text_enum!`: an enum stored as text (statuses, kinds, roles, reasons).
//!
//! The columns stay `text` with a `CHECK (col IN (..))` so that SQL reports read them; the
//! Rust side is an enum with a `VARIANTS` list (a test compares it with the CHECK lists of
//! the migrations), `as_str`/`parse`, and diesel `ToSql`/`FromSql` over `Text`. An unknown
//! value read from the database is an error, never a default (as crates.io does for its
//! `EndpointScope`).

/// Defines an enum whose variants are stored as the given texts.
///
/// ```ignore
/// text_enum! {
///     /// Doc.
///     #[derive(async_graphql::Enum)]
///     pub enum Gender { Male = "MALE", Female = "FEMALE" }
/// }
/// ```
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            #[allow(dead_code, reason = "not every enum lists its values outside tests")]
            pub const VARIANTS: &'static [Self] = &[$(Self::$variant),+];

            /// The stored (and wire) name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// Parses a stored name; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        concat!("unknown value for ", stringify!($name), ": {:?}"),
                        text
                    ))
                })
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write as _;
                out.write_all(self.as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = std::str::from_utf8(value.as_bytes())?;
                Self::parse(text).ok_or_else(|| {
                    format!(concat!("unknown value for ", stringify!($name), ": {:?}"), text).into()
                })
            }
        }
    };
}

pub(crate) use text_enum;
