//! Features that broadcasters support and clients require: lower-case `[a-z0-9_]+`.

use super::bounds::MAX_FEATURES;

/// A feature list that is too long, or a name in it that is not lower-case letters, digits
/// and underscores.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidFeature {
    #[error("invalid feature `{0}`: use lower-case letters, digits and _")]
    Name(String),
    #[error("at most {MAX_FEATURES} features")]
    TooMany,
}

/// Checks, de-duplicates and sorts a feature list.
pub fn normalise(features: &[String]) -> Result<Vec<String>, InvalidFeature> {
    if features.len() > MAX_FEATURES {
        return Err(InvalidFeature::TooMany);
    }
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let ok = !f.is_empty()
            && f.len() <= 64
            && f.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(InvalidFeature::Name(f.clone()));
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
        let many: Vec<String> = (0..=MAX_FEATURES).map(|i| format!("f{i}")).collect();
        assert_eq!(normalise(&many), Err(InvalidFeature::TooMany));
        assert_eq!(normalise(&many[1..]).unwrap().len(), MAX_FEATURES);
        assert_eq!(
            first_missing(&["a".into(), "z".into()], &["a".into()]),
            Some("z")
        );
    }
}
