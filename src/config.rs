//! `racelint.toml`: found by walking up from the current directory (or given with `--config`).
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

use crate::rules::{rule_by_code, Severity};

pub const FILE_NAME: &str = "racelint.toml";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Warning,
    Error,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    host_models: Vec<PathBuf>,
    #[serde(default)]
    fail_on: Option<Level>,
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
    /// Findings at or above this severity make the exit code 1.
    pub fail_on: Option<Severity>,
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
                message.push_str("; levels are \"off\", \"warning\" and \"error\"");
            }
            ConfigError { path: path.to_path_buf(), line, column, message }
        })?;
        let mut rules = Vec::new();
        for (key, level) in &raw.rules {
            let Some(rule) = rule_by_code(key) else {
                // where the key is written, else where the table starts (a key spelt with escapes)
                let at = text.find(key.as_str()).filter(|_| !key.is_empty()).or_else(|| text.find("rules")).map(|o| position(text, o));
                let at = at.or(Some((1, 1)));
                let codes: Vec<&str> = crate::RULES.iter().map(|r| r.code).collect();
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
        let fail_on = match raw.fail_on {
            Some(Level::Off) => {
                let at = text.find("fail").map(|o| position(text, o)).or(Some((1, 1)));
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    line: at.map(|a| a.0),
                    column: at.map(|a| a.1),
                    message: "`fail-on` is \"warning\" or \"error\"; to never fail, turn the rules off".into(),
                });
            }
            Some(Level::Warning) => Some(Severity::Warning),
            Some(Level::Error) => Some(Severity::Error),
            None => None,
        };
        Ok(Config {
            path: Some(path.to_path_buf()),
            exclude: raw.exclude,
            host_models: raw.host_models.iter().map(|p| dir.join(p)).collect(),
            fail_on,
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
        assert_eq!(c.fail_on, Some(Severity::Error));
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
        assert!(e.message.contains("\"off\", \"warning\" and \"error\""), "{}", e.message);
    }
}
