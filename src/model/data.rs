//! The data files under data/ (compiled in): tab-separated rows, with `#` comment lines and
//! blank lines left out.

/// The rows of a data file, each split at tabs.
pub fn rows(text: &'static str) -> impl Iterator<Item = std::str::Split<'static, char>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim_ascii().is_empty())
        .map(|l| l.split('\t'))
}

/// A `3.7-3.10`, `3.9-` (to the newest) or `3.10` (that release alone) range of releases.
pub fn release_range(
    text: &str,
) -> Option<(super::version::Release, Option<super::version::Release>)> {
    use super::version::Release;
    let (first, last) = text.split_once('-').unwrap_or((text, text));
    let last = match last {
        "" => None,
        l => Some(Release::parse(l)?),
    };
    Some((Release::parse(first)?, last))
}
