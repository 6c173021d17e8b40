//! Host models: declarative descriptions of a host's API (which calls read or write which host
//! state), loaded from TOML. `rules/hosts/sillytavern.toml` is built in; users add their own
//! with `--host-model FILE`.

use std::path::Path;

use serde::Deserialize;

use crate::build::HostHints;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostModel {
    pub name: String,
    #[serde(default, rename = "state")]
    pub states: Vec<HostState>,
    #[serde(default, rename = "call")]
    pub calls: Vec<HostCall>,
    #[serde(default, rename = "callback")]
    pub callbacks: Vec<HostCallback>,
    #[serde(default, rename = "modal")]
    pub modals: Vec<HostModal>,
}

/// Calls that show a modal dialog and settle when it closes: while one is awaited, the page
/// takes no input, so the handlers of the user's input (`input = true` callbacks) cannot run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostModal {
    /// Callee paths, matched on their last segments like `[[callback]]` paths.
    pub calls: Vec<String>,
}

/// Calls that take a function and call it later: where tasks start, and how often.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostCallback {
    /// Callee paths, matched on their last segments: `eventSource.on` matches
    /// `getContext().eventSource.on`; `*` is any one segment (`*.addEventListener`); a call in
    /// the path is written `()` (`$().on`).
    pub calls: Vec<String>,
    /// Only when the call's first argument names one of these (`'DOMContentLoaded'`).
    #[serde(default)]
    pub labels: Vec<String>,
    /// What findings call such a task: `event handler`, `slash command`, `timer`.
    pub kind: String,
    pub runs: Runs,
    /// The callback answers the user's input on the page (a click, a key): a modal dialog
    /// keeps it from firing.
    #[serde(default)]
    pub input: bool,
    /// With `one-at-a-time`: the functions handed to every call naming this queue, in one
    /// module, run one after another (a test file's tests and hooks), not per receiver.
    #[serde(default)]
    pub queue: Option<String>,
    /// Each module's tasks of this kind run in a realm of their own (a test runner runs every
    /// test file in a worker of its own): they never overlap such tasks of another module.
    #[serde(default)]
    pub isolated: bool,
    /// The callee path is the pattern itself, not only its last segments: `it` matches `it(…)`
    /// but not `schema.it(…)`, and a function of the program with that name is the program's.
    #[serde(default)]
    pub exact: bool,
}

/// How a callback a host model knows runs: what its task is called, how often it runs, and
/// the rest of its `[[callback]]` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackRuns<'h> {
    pub kind: &'h str,
    pub runs: Runs,
    pub input: bool,
    pub queue: Option<&'h str>,
    pub isolated: bool,
    pub exact: bool,
}

impl CallbackRuns<'_> {
    /// A call that takes a function and that no model knows: taken to call it repeatedly.
    pub const UNMODELLED: CallbackRuns<'static> =
        CallbackRuns { kind: "callback", runs: Runs::Repeatedly, input: false, queue: None, isolated: false, exact: false };
}

/// How a registered function runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runs {
    /// Once per registration (`$(ready)`, `setTimeout`): a task, but not one that overlaps itself
    /// unless it is registered again while it runs.
    Once,
    /// Again whenever the event fires, also while an earlier run is suspended.
    Repeatedly,
    /// Inside the caller's run, before the call returns (`new Promise(executor)`, `filter`).
    Inline,
    /// One run at a time per receiver (`mutex.runExclusive(f)`, `navigator.locks.request`): the
    /// receiver serialises the functions handed to it.
    OneAtATime,
    /// When what the call returns is called, inside that caller's run (a mock's implementation,
    /// `vi.fn(impl)`): no task of its own.
    WhenCalled,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostState {
    pub id: String,
    pub name: String,
    /// `module.js#binding`
    #[serde(default)]
    pub exports: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    /// When the host itself writes this state, outside any code in the scan (`on every chat
    /// switch`): a task that can run while any extension code is suspended.
    #[serde(default)]
    pub written_by_host: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostCall {
    pub paths: Vec<String>,
    #[serde(default)]
    pub awaits: bool,
    #[serde(default)]
    pub reads: Vec<String>,
    #[serde(default)]
    pub writes: Vec<String>,
    #[serde(default)]
    pub when: Vec<HostWhen>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostWhen {
    #[serde(default)]
    pub arg_prefix: Vec<String>,
    #[serde(default)]
    pub arg_exact: Vec<String>,
    #[serde(default)]
    pub reads: Vec<String>,
    #[serde(default)]
    pub writes: Vec<String>,
}

impl HostWhen {
    fn matches(&self, arg: Option<&str>) -> bool {
        let Some(arg) = arg else { return false };
        let arg = arg.trim_start();
        self.arg_exact.iter().any(|e| arg.trim_end() == e) || self.arg_prefix.iter().any(|p| arg.starts_with(p.as_str()))
    }
}

/// The effects a host call has, resolved against a model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallEffects {
    pub awaits: bool,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
}

/// All loaded models, merged.
#[derive(Debug, Clone, Default)]
pub struct Hosts {
    pub models: Vec<HostModel>,
}

/// A problem with a model file: where and what.
#[derive(Debug, Clone)]
pub struct HostModelError {
    pub path: String,
    pub message: String,
}

pub const BUILTIN_SILLYTAVERN: &str = include_str!("../rules/hosts/sillytavern.toml");
/// How many of the loaded models are built in (they come first).
const BUILTIN_MODELS: usize = 3;
/// The web platform's callback APIs (DOM events, timers, jQuery, array iteration).
pub const BUILTIN_WEB: &str = include_str!("../rules/hosts/web.toml");
/// Test runners' callback APIs (Vitest, Jest): tests of a file in sequence, mocks.
pub const BUILTIN_TEST_RUNNER: &str = include_str!("../rules/hosts/test-runner.toml");

impl HostModel {
    pub fn parse(name: &str, text: &str) -> Result<HostModel, HostModelError> {
        let model: HostModel = toml::from_str(text).map_err(|e| HostModelError { path: name.to_string(), message: e.to_string() })?;
        let ids: Vec<&str> = model.states.iter().map(|s| s.id.as_str()).collect();
        for call in &model.calls {
            for id in call.reads.iter().chain(&call.writes).chain(call.when.iter().flat_map(|w| w.reads.iter().chain(&w.writes))) {
                if !ids.contains(&id.as_str()) {
                    return Err(HostModelError {
                        path: name.to_string(),
                        message: format!("call `{}` names unknown state `{id}` (declared: {})", call.paths.join(", "), ids.join(", ")),
                    });
                }
            }
        }
        for c in &model.callbacks {
            if c.queue.is_some() && c.runs != Runs::OneAtATime {
                return Err(HostModelError {
                    path: name.to_string(),
                    message: format!("callback `{}`: `queue` needs `runs = \"one-at-a-time\"`", c.calls.join(", ")),
                });
            }
        }
        for s in &model.states {
            if let Some(bad) = s.exports.iter().find(|e| !e.contains('#')) {
                return Err(HostModelError {
                    path: name.to_string(),
                    message: format!("state `{}`: export `{bad}` must read `module.js#binding`", s.id),
                });
            }
        }
        Ok(model)
    }
}

impl Hosts {
    /// The built-in models plus the given files.
    pub fn load(extra: &[impl AsRef<Path>]) -> Result<Hosts, HostModelError> {
        let mut models = vec![
            HostModel::parse("rules/hosts/sillytavern.toml", BUILTIN_SILLYTAVERN)?,
            HostModel::parse("rules/hosts/web.toml", BUILTIN_WEB)?,
            HostModel::parse("rules/hosts/test-runner.toml", BUILTIN_TEST_RUNNER)?,
        ];
        for p in extra {
            let p = p.as_ref();
            let text = std::fs::read_to_string(p).map_err(|e| HostModelError { path: p.display().to_string(), message: e.to_string() })?;
            models.push(HostModel::parse(&p.display().to_string(), &text)?);
        }
        Ok(Hosts { models })
    }

    pub fn hints(&self) -> HostHints {
        let mut h = HostHints::default();
        for m in &self.models {
            for c in &m.calls {
                for p in &c.paths {
                    h.call_names.insert(p.rsplit(['.', ']']).next().unwrap_or(p).to_string());
                }
            }
            for s in &m.states {
                h.state_paths.extend(s.paths.iter().cloned());
                for p in &s.paths {
                    let end = if p.ends_with("[*]") { "[*]" } else { p.rsplit(['.', ']']).next().unwrap_or(p) };
                    h.state_ends.insert(end.trim_end_matches("()").to_string());
                }
            }
        }
        h
    }

    /// Every host state as (model index, state), in a stable order.
    pub fn states(&self) -> impl Iterator<Item = (usize, &HostState)> {
        self.models.iter().enumerate().flat_map(|(i, m)| m.states.iter().map(move |s| (i, s)))
    }

    /// The effects of calling `path` with first argument `arg`, with state ids qualified by
    /// their model (`model/id`).
    pub fn call(&self, path: &str, arg: Option<&str>) -> Option<CallEffects> {
        for m in &self.models {
            for c in &m.calls {
                if !c.paths.iter().any(|p| p == path) {
                    continue;
                }
                let q = |ids: &[String]| ids.iter().map(|i| format!("{}/{i}", m.name)).collect::<Vec<_>>();
                let mut reads = q(&c.reads);
                let mut writes = q(&c.writes);
                if let Some(w) = c.when.iter().find(|w| w.matches(arg)) {
                    reads.extend(q(&w.reads));
                    writes.extend(q(&w.writes));
                }
                return Some(CallEffects { awaits: c.awaits, reads, writes });
            }
        }
        None
    }

    /// The `[[callback]]` patterns, indexed by their last segment, for many lookups. The first
    /// match wins: users' models first (so they can correct ours), then the built-in ones in
    /// order.
    pub fn callbacks(&self) -> CallbackIndex<'_> {
        let builtin = self.models.len().min(BUILTIN_MODELS);
        let mut by_last: rustc_hash::FxHashMap<&str, Vec<CallbackPattern>> = Default::default();
        let mut order = 0;
        for m in self.models[builtin..].iter().chain(&self.models[..builtin]) {
            for c in &m.callbacks {
                for p in &c.calls {
                    let segs: Vec<&str> = p.split('.').collect();
                    let last = segs.last().copied().unwrap_or("");
                    let runs = CallbackRuns {
                        kind: c.kind.as_str(),
                        runs: c.runs,
                        input: c.input,
                        queue: c.queue.as_deref(),
                        isolated: c.isolated,
                        exact: c.exact,
                    };
                    by_last.entry(last).or_default().push((order, segs, &c.labels, runs));
                    order += 1;
                }
            }
        }
        CallbackIndex { by_last }
    }

    /// The host state an API path reaches.
    pub fn state_for_path(&self, path: &str) -> Option<String> {
        self.states().find(|(_, s)| s.paths.iter().any(|p| p == path)).map(|(i, s)| format!("{}/{}", self.models[i].name, s.id))
    }

    /// The host state an import of `binding` from `specifier` denotes.
    pub fn state_for_import(&self, specifier: &str, binding: &str) -> Option<String> {
        self.states()
            .find(|(_, s)| {
                s.exports.iter().any(|e| {
                    let (module, name) = e.split_once('#').unwrap_or((e, ""));
                    name == binding && (specifier == module || specifier.ends_with(&format!("/{module}")))
                })
            })
            .map(|(i, s)| format!("{}/{}", self.models[i].name, s.id))
    }
}

/// The callback patterns of all models, by last segment (`on`, `addEventListener`).
pub struct CallbackIndex<'h> {
    /// (precedence, segments, kind, runs): the lowest precedence that matches wins.
    by_last: rustc_hash::FxHashMap<&'h str, Vec<CallbackPattern<'h>>>,
}

/// One pattern: (precedence, segments, first-argument labels, how it runs).
type CallbackPattern<'h> = (usize, Vec<&'h str>, &'h [String], CallbackRuns<'h>);

impl<'h> CallbackIndex<'h> {
    /// How a function handed to a call at `path` whose first argument names `label` runs: what
    /// its task is called, how often it runs, and whether it answers the user's input.
    pub fn find(&self, path: &str, label: Option<&str>) -> Option<CallbackRuns<'h>> {
        let last = path.rsplit('.').next().unwrap_or(path);
        let candidates = self.by_last.get(last)?;
        let segs: Vec<&str> = path.split('.').collect();
        candidates
            .iter()
            .filter(|(_, pat, labels, how)| {
                (if how.exact { segs.len() == pat.len() } else { true })
                    && suffix_matches(&segs, pat)
                    && (labels.is_empty() || label.is_some_and(|l| labels.iter().any(|x| x == l)))
            })
            .min_by_key(|c| c.0)
            .map(|c| c.3)
    }
}

/// Whether the path's last segments are the pattern's (`*` matching any one segment): how
/// `[[callback]]` and `[[modal]]` paths are matched.
pub(crate) fn suffix_matches<S: AsRef<str>>(path: &[&str], pat: &[S]) -> bool {
    pat.len() <= path.len() && path[path.len() - pat.len()..].iter().zip(pat).all(|(s, p)| p.as_ref() == "*" || *s == p.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_match_on_last_segments_with_labels_and_precedence() {
        let hosts = Hosts::load(&[] as &[&str]).expect("built-in models");
        let index = hosts.callbacks();
        let how = |path: &str, label: Option<&str>| index.find(path, label).map(|c| (c.kind, c.runs, c.input));
        // SillyTavern's own events before the web model's generic `*.on`
        assert_eq!(how("getContext().eventSource.on", Some("CHAT_CHANGED")), Some(("event handler", Runs::Repeatedly, false)));
        assert_eq!(how("$().on", Some("click")), Some(("event handler", Runs::Repeatedly, true)));
        // a label narrows a pattern: the page's load event fires once
        assert_eq!(how("document.addEventListener", Some("DOMContentLoaded")), Some(("ready callback", Runs::Once, false)));
        assert_eq!(how("setTimeout", None).map(|c| c.1), Some(Runs::Once));
        assert_eq!(how("mutex.runExclusive", None).map(|c| c.1), Some(Runs::OneAtATime));
        // `*` needs a segment; an unknown callee is no callback the models know
        assert_eq!(index.find("addEventListener", Some("click")), None);
        assert_eq!(index.find("registerThing", None), None);
        // a test file's tests and hooks share one queue, in a realm of their own; a concurrent
        // test does not queue; a mock's implementation runs when the mock is called
        let test = index.find("it", None).expect("`it` is a test");
        assert_eq!((test.runs, test.queue, test.isolated), (Runs::OneAtATime, Some("tests"), true));
        assert_eq!(index.find("beforeEach", None).and_then(|c| c.queue), Some("tests"));
        assert_eq!(index.find("it.each()", None).and_then(|c| c.queue), Some("tests"));
        assert_eq!(index.find("it.skipIf()", None).and_then(|c| c.queue), Some("tests"));
        assert_eq!(index.find("xit", None).and_then(|c| c.queue), Some("tests"));
        assert_eq!(index.find("test.concurrent", None).map(|c| (c.runs, c.queue)), Some((Runs::Once, None)));
        assert_eq!(how("vi.fn", None).map(|c| c.1), Some(Runs::WhenCalled));
        // a test runner's names are whole paths: a validator's `string().test(…)` is no test
        assert_eq!(index.find("string().test", None).map(|c| c.kind), None);
        assert_eq!(index.find("schema.it", None).map(|c| c.kind), None);
        assert_eq!(how("vi.spyOn().mockImplementation", None).map(|c| c.1), Some(Runs::WhenCalled));
        assert!(suffix_matches(&["Popup", "show", "confirm"], &["show", "confirm"]));
        assert!(!suffix_matches(&["confirm"], &["show", "confirm"]));
    }

    #[test]
    fn a_queue_without_one_at_a_time_is_an_error() {
        let text = "name = \"x\"\n[[callback]]\ncalls = [\"it\"]\nkind = \"test\"\nruns = \"once\"\nqueue = \"tests\"\n";
        let err = HostModel::parse("x.toml", text).expect_err("queue with runs = once");
        assert!(err.message.contains("`queue` needs"), "{}", err.message);
    }

    #[test]
    fn builtin_model_loads_and_slash_commands_depend_on_their_argument() {
        let hosts = Hosts::load(&[] as &[&str]).expect("built-in model");
        let switch = hosts.call("getContext().executeSlashCommandsWithOptions", Some("/profile X")).unwrap();
        assert!(switch.writes.contains(&"sillytavern/connection".to_string()));
        let report = hosts.call("executeSlashCommands", Some("/profile")).unwrap();
        assert!(report.writes.is_empty() && report.reads.contains(&"sillytavern/connection".to_string()));
        assert_eq!(hosts.state_for_import("../../../openai.js", "oai_settings").as_deref(), Some("sillytavern/oai_settings"));
        assert_eq!(hosts.state_for_import("./other.js", "oai_settings"), None);
        assert_eq!(hosts.state_for_path("getContext().chatMetadata").as_deref(), Some("sillytavern/chat_metadata"));
    }

    #[test]
    fn unknown_keys_and_state_ids_are_errors() {
        let e = HostModel::parse("m.toml", "name = 'x'\nbogus = 1\n").unwrap_err();
        assert!(e.message.contains("bogus"), "{}", e.message);
        let e = HostModel::parse("m.toml", "name = 'x'\n[[call]]\npaths = ['f']\nwrites = ['nope']\n").unwrap_err();
        assert!(e.message.contains("unknown state `nope`"), "{}", e.message);
    }
}
