//! Features that broadcasters support and clients require: lower-case `[a-z0-9_]+`.

/// A feature name that is not lower-case letters, digits and underscores.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid feature `{0}`: use lower-case letters, digits and _")]
pub struct InvalidFeature(pub String);

/// Checks, de-duplicates and sorts a feature list.
pub fn normalise(features: &[String]) -> Result<Vec<String>, InvalidFeature> {
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let ok = !f.is_empty()
            && f.len() <= 64
            && f.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(InvalidFeature(f.clone()));
        }
        out.push(f.clone());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The first of `required` missing from `offered`.
pub fn first_missing<'a>(required: &'a [String], offered: &[String]) -> Option<&'a str> {
    required
        .iter()
        .find(|r| !offered.contains(r))
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_checked_sorted_and_deduplicated() {
        let given = vec!["b_2".to_owned(), "a".to_owned(), "b_2".to_owned()];
        assert_eq!(
            normalise(&given).unwrap(),
            vec!["a".to_owned(), "b_2".to_owned()]
        );
        assert!(normalise(&["Upper".to_owned()]).is_err());
        assert!(normalise(&["".to_owned()]).is_err());
        assert_eq!(
            first_missing(&["a".into(), "z".into()], &["a".into()]),
            Some("z")
        );
    }
}
