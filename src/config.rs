//! `racelint.toml`: the nearest one to the linted paths, found by walking up from each path's
//! folder (or given with `--config`). Its JSON Schema is `racelint.schema.json` at the
//! repository's root (and in the npm package), for editors' completion.
//!
//! ```toml
//! exclude = ["lib/**", "**/*.min.js"]   # gitignore-style globs, added to --exclude
//! host-models = ["tools/my-host.toml"]   # relative to this file
//! fail-on = "error"                      # exit 1 only for errors ("warning": for any finding)
//!
//! [rules]
//! RC002 = "off"                          # or by name: torn-read-across-await = "off"
//! RC005 = "error"                        # "off", "warning" or "error"
//! ```
//!
//! Unknown keys and bad values are errors with the file, line and a hint; nothing is ignored
//! silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rule_info;
use crate::rules::Severity;

pub const FILE_NAME: &str = "racelint.toml";

/// What `racelint init` writes (after a `#:schema` line): every setting, commented, with the
/// defaults in force.
pub const STARTER: &str = r#"# racelint configuration (the README's "Configuration" section says what each key does).
# Paths are relative to this file; unknown keys are errors.

# Files and folders to skip, gitignore-style (added to --exclude).
exclude = [
    # "lib/**",
]

# Host models besides the built-in SillyTavern one (TOML, see rules/hosts/sillytavern.toml).
host-models = []

# Which findings make the exit code 1: "warning" (any finding; also "warn"), "error", "never".
fail-on = "warning"

# Per rule, by code or name: "off", "warning" (or "warn") or "error".
[rules]
# RC002 = "off"
# non-atomic-update = "error"
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    /// `"warn"` too, as ESLint spells it.
    #[serde(alias = "warn")]
    Warning,
    Error,
}

/// When findings make the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Any finding (`"warn"` too).
    #[serde(alias = "warn")]
    Warning,
    /// Errors only.
    Error,
    /// Every finding, latent notes too.
    Note,
    /// Never: findings are reported and the exit code is 0 (2 still means a broken input).
    Never,
}

impl FailOn {
    /// The `--fail-on` flag's values, the same as the config's.
    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "warning" | "warn" => Some(FailOn::Warning),
            "error" => Some(FailOn::Error),
            "note" => Some(FailOn::Note),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }

    /// The lowest severity that fails the run; `None` for never.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Error => Some(Severity::Error),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    /// Where the JSON Schema is, for editors (`"$schema" = "…"`); racelint ignores it.
    #[serde(default, rename = "$schema")]
    _schema: Option<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    host_models: Vec<PathBuf>,
    #[serde(default)]
    fail_on: Option<FailOn>,
    #[serde(default)]
    rules: BTreeMap<String, Level>,
}

/// A loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub exclude: Vec<String>,
    /// Resolved against the config file's folder.
    pub host_models: Vec<PathBuf>,
    /// Which findings make the exit code 1 (default: any).
    pub fail_on: Option<FailOn>,
    /// Per rule code: `None` turns it off, `Some` sets its severity.
    pub rules: Vec<(&'static str, Option<Severity>)>,
}

/// A problem in a config file, with its position.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

fn position(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u32 + 1;
    (line, column)
}

impl Config {
    /// The nearest `racelint.toml` in `start` or its parents.
    pub fn find(start: &Path) -> Option<PathBuf> {
        let start = std::fs::canonicalize(start).ok()?;
        start.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file())
    }

    /// The config for linting `paths`: the nearest `racelint.toml` to each path's folder (a
    /// file's own folder), as ESLint, Ruff and Biome find theirs. Paths whose nearest configs
    /// differ are an error naming both: one run has one config. A path that does not exist
    /// starts from its nearest existing ancestor.
    pub fn find_for(paths: &[PathBuf]) -> Result<Option<PathBuf>, String> {
        let mut found: Option<(Option<PathBuf>, &Path)> = None;
        for p in paths {
            let mut start: &Path = if p.is_file() { p.parent().unwrap_or(Path::new(".")) } else { p };
            while !start.as_os_str().is_empty() && !start.exists() {
                start = start.parent().unwrap_or(Path::new("."));
            }
            if start.as_os_str().is_empty() {
                start = Path::new(".");
            }
            let config = Config::find(start);
            match &found {
                None => found = Some((config, p)),
                Some((c, first)) if *c != config => {
                    let name = |c: &Option<PathBuf>| c.as_ref().map_or("none".to_string(), |c| c.display().to_string());
                    return Err(format!(
                        "{} and {} have different racelint.toml files ({} and {}); lint them in separate runs or pass --config",
                        first.display(),
                        p.display(),
                        name(c),
                        name(&config)
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(found.and_then(|(c, _)| c))
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("cannot read config: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]).into_owned();
            let (line, column) = position(&valid, valid.len());
            ConfigError { path: path.to_path_buf(), line: Some(line), column: Some(column), message: "not UTF-8 text".into() }
        })?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            // an error without a span is about the whole document: its start
            let (line, column) = position(text, e.span().map_or(0, |s| s.start));
            let (line, column) = (Some(line), Some(column));
            let mut message = e.message().to_string();
            if message.contains("unknown field") {
                message.push_str("; racelint.toml knows `exclude`, `host-models`, `fail-on` and `[rules]`");
            }
            if message.contains("unknown variant") {
                let in_fail_on = text[..e.span().map_or(0, |s| s.start).min(text.len())]
                    .rsplit('\n')
                    .next()
                    .is_some_and(|l| l.trim_start().starts_with("fail-on"));
                message.push_str(if in_fail_on {
                    "; `fail-on` is \"warning\" (or \"warn\"), \"error\" or \"never\""
                } else {
                    "; levels are \"off\", \"warning\" (or \"warn\") and \"error\""
                });
            }
            ConfigError { path: path.to_path_buf(), line, column, message }
        })?;
        let mut rules = Vec::new();
        for (key, level) in &raw.rules {
            let Some(rule) = rule_info(key) else {
                // where the key is written, else where the table starts (a key spelt with escapes)
                let at = text.find(key.as_str()).filter(|_| !key.is_empty()).or_else(|| text.find("rules")).map(|o| position(text, o));
                let at = at.or(Some((1, 1)));
                let codes: Vec<&str> = crate::RULES.iter().map(|r| r.info.code).collect();
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    line: at.map(|a| a.0),
                    column: at.map(|a| a.1),
                    message: format!("unknown rule `{key}` in [rules]; the rules are {} (or their names)", codes.join(", ")),
                });
            };
            let severity = match level {
                Level::Off => None,
                Level::Warning => Some(Severity::Warning),
                Level::Error => Some(Severity::Error),
            };
            rules.push((rule.code, severity));
        }
        let dir = path.parent().unwrap_or(Path::new(""));
        Ok(Config {
            path: Some(path.to_path_buf()),
            exclude: raw.exclude,
            host_models: raw.host_models.iter().map(|p| dir.join(p)).collect(),
            fail_on: raw.fail_on,
            rules,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_parses_rules_by_code_or_name() {
        let c = Config::parse(
            Path::new("x/racelint.toml"),
            "exclude = ['lib/**']\nfail-on = 'error'\n[rules]\nRC002 = 'off'\nnon-atomic-update = 'error'\n",
        )
        .unwrap();
        assert_eq!(c.exclude, vec!["lib/**"]);
        assert_eq!(c.fail_on, Some(FailOn::Error));
        assert!(c.rules.contains(&("RC002", None)) && c.rules.contains(&("RC005", Some(Severity::Error))));
    }

    #[test]
    fn unknown_keys_rules_and_values_are_errors_with_positions() {
        let e = Config::parse(Path::new("racelint.toml"), "exclude = []\nexlcude = ['x']\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("unknown field `exlcude`") && e.message.contains("knows"), "{}", e.message);
        let e = Config::parse(Path::new("racelint.toml"), "[rules]\nRC009 = 'off'\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("unknown rule `RC009`"));
        let e = Config::parse(Path::new("racelint.toml"), "[rules]\nRC001 = 'loud'\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("\"off\", \"warning\" (or \"warn\") and \"error\""), "{}", e.message);
    }

    #[test]
    fn fail_on_takes_warn_and_never_and_its_hint_lists_what_it_takes() {
        let c = Config::parse(Path::new("racelint.toml"), "fail-on = 'warn'\n[rules]\nRC001 = 'warn'\n").unwrap();
        assert_eq!(c.fail_on, Some(FailOn::Warning));
        assert!(c.rules.contains(&("RC001", Some(Severity::Warning))));
        assert_eq!(Config::parse(Path::new("racelint.toml"), "fail-on = 'never'\n").unwrap().fail_on, Some(FailOn::Never));
        let e = Config::parse(Path::new("racelint.toml"), "fail-on = 'off'\n").unwrap_err();
        assert!(e.message.contains("`fail-on` is \"warning\" (or \"warn\"), \"error\" or \"never\""), "{}", e.message);
        assert!(!e.message.contains("\"off\""), "the hint lists only values fail-on takes: {}", e.message);
        let c = Config::parse(Path::new("racelint.toml"), "\"$schema\" = './racelint.schema.json'\n").unwrap();
        assert!(c.rules.is_empty());
    }
}
