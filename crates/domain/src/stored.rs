//! Domain values the database keeps as text.
//!
//! A store row decodes such a column straight into its domain type with
//! `#[sqlx(try_from = "String")]`, so a bad value is refused once, where it is read, instead of
//! being parsed again by every service that looks at it. The text is always the type's
//! `as_str()`, which is also what the API shows.

/// `TryFrom<String>` through the type's own `parse`, for each type named.
///
/// ```
/// # use roadwarden_domain::stored_as_text;
/// # #[derive(Debug, PartialEq)] struct Colour;
/// # impl Colour { fn parse(raw: &str) -> Result<Self, roadwarden_domain::FieldError> {
/// #     if raw == "red" { Ok(Colour) } else { Err(roadwarden_domain::FieldError::new("colour", "unknown")) } } }
/// stored_as_text!(Colour);
/// assert_eq!(Colour::try_from("red".to_owned()), Ok(Colour));
/// ```
#[macro_export]
macro_rules! stored_as_text {
    ($($t:ty),+ $(,)?) => {$(
        impl ::core::convert::TryFrom<String> for $t {
            type Error = $crate::FieldError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                <$t>::parse(&raw)
            }
        }
    )+};
}
