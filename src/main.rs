//! The `racelint` command: parse arguments, load the config, call the library, print, exit.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

// swc allocates many small nodes: mimalloc makes parsing and dropping ASTs markedly faster. Its
// v2 line (the `v2` feature) is faster here than v3: 124 vs 134 ms on 10 000 small modules, 71 vs
// 74 ms on SillyTavern's `public/` (hyperfine, 20 runs). examples/parse_floor.rs uses the same.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "racelint",
    version,
    about = "Finds races on shared module state across `await` points in JavaScript",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Files and directories to lint
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Skip files and folders matching this gitignore-style glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Report only these rules (code or name; repeatable, or a comma list: RC003,RC004)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    rule: Vec<String>,
    /// Add a host model (TOML, see rules/hosts/sillytavern.toml; repeatable)
    #[arg(long, value_name = "FILE")]
    host_model: Vec<PathBuf>,
    /// Use this config file instead of the nearest racelint.toml
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore racelint.toml files
    #[arg(long)]
    no_config: bool,
    /// Report only findings this baseline file does not list
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record today's findings in a baseline file (and exit 0)
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Lint standard input as if it were this file (editors); other files come from disk
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Lint generated files (bundles built from sources in the tree) found in directories too
    #[arg(long)]
    include_generated: bool,
    /// Parse every file, without the warm-run cache
    #[arg(long)]
    no_cache: bool,
    /// Keep the warm-run cache here (default: $XDG_CACHE_HOME/racelint or ~/.cache/racelint)
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Which findings make the exit code 1 (overrides `fail-on` in racelint.toml)
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<FailOn>,
    /// Also exit 1 when there are more than N warnings (ESLint's --max-warnings)
    #[arg(long, value_name = "N")]
    max_warnings: Option<usize>,
    /// Report errors only: warnings are neither shown nor fail the run
    #[arg(long, short)]
    quiet: bool,
    /// Write the report to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Worker threads (default: one per core, or RAYON_NUM_THREADS)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    /// Any finding (also `warn`)
    #[value(alias = "warn")]
    Warning,
    /// Errors only
    Error,
    /// Every finding, latent notes too (what breaks if the code that serialises them changes)
    Note,
    /// Never: exit 0 with findings (2 still means an input could not be read or parsed)
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Print a rule's documentation
    Explain {
        /// Rule code or name, e.g. RC001 or override-across-await
        rule: String,
    },
    /// List the rules
    Rules {
        /// text (a table) or json (code, name, severity, summary and documentation of each)
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Run the language server on standard input and output
    Lsp,
    /// Write a commented starter racelint.toml in the current directory
    Init,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions { shell: clap_complete::Shell },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    EslintJson,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Color {
    Auto,
    Always,
    Never,
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    // Transparent huge pages stay on where the system allows them (mimalloc asks for them):
    // with 4 KiB pages the run took 7 600 page faults against the parse floor's 260, 66.8 vs
    // 61.3 ms on SillyTavern's `public/` (hyperfine, 40 runs), for 39 vs 55 MiB peak memory.
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    match cli.command {
        Some(Command::Explain { rule }) => {
            return match racelint::rule_info(&rule) {
                Some(r) => {
                    let _ = stdout.write_all(r.doc.as_bytes());
                    ExitCode::SUCCESS
                }
                None => {
                    let codes: Vec<&str> = racelint::RULES.iter().map(|r| r.info.code).collect();
                    usage_error(&format!("no rule `{rule}`; the rules are {}", codes.join(", ")))
                }
            };
        }
        Some(Command::Lsp) => {
            drop(stdout);
            return ExitCode::from(racelint::lsp::run() as u8);
        }
        Some(Command::Rules { format }) => {
            let all = racelint::rule_infos();
            match format {
                RulesFormat::Text => {
                    for r in all {
                        let _ = writeln!(stdout, "{}  {:<24} {:<8} {}", r.code, r.name, r.severity.as_str(), r.summary);
                    }
                }
                RulesFormat::Json => {
                    let rules: Vec<serde_json::Value> = all
                        .map(|r| {
                            serde_json::json!({
                                "code": r.code, "name": r.name, "severity": r.severity.as_str(), "summary": r.summary, "doc": r.doc
                            })
                        })
                        .collect();
                    let _ = serde_json::to_writer_pretty(&mut stdout, &rules);
                    let _ = writeln!(stdout);
                }
            }
            return ExitCode::SUCCESS;
        }
        Some(Command::Init) => return init(),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "racelint", &mut stdout);
            return ExitCode::SUCCESS;
        }
        None => {}
    }
    let started = std::time::Instant::now();
    if let Some(n) = cli.threads {
        racelint::set_threads(n as usize);
    }
    let rules: Vec<String> = cli.rule.iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
    for r in &rules {
        if racelint::rule_info(r).is_none() {
            return usage_error(&format!("no rule `{r}` (see `racelint rules`)"));
        }
    }
    let config_path = match (&cli.config, cli.no_config) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        // the nearest config to what is linted (the buffer's file for an editor), not to the
        // current directory
        (None, false) => match racelint::config::Config::find_for(match &cli.stdin_filename {
            Some(p) => std::slice::from_ref(p),
            None => &cli.paths,
        }) {
            Ok(p) => p,
            Err(e) => return usage_error(&e),
        },
    };
    let config = match &config_path {
        Some(p) => match racelint::config::Config::load(p) {
            Ok(c) => c,
            Err(e) => {
                let at = match (e.line, e.column) {
                    (Some(l), Some(c)) => format!(":{l}:{c}"),
                    _ => String::new(),
                };
                return usage_error(&format!("{}{at}: {}", e.path.display(), e.message));
            }
        },
        None => racelint::config::Config::default(),
    };
    let mut config = config;
    if let Some(f) = cli.fail_on {
        config.fail_on = Some(match f {
            FailOn::Warning => racelint::config::FailOn::Warning,
            FailOn::Error => racelint::config::FailOn::Error,
            FailOn::Note => racelint::config::FailOn::Note,
            FailOn::Never => racelint::config::FailOn::Never,
        });
    }
    let stdin = match &cli.stdin_filename {
        Some(p) => {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                return usage_error(&format!("cannot read standard input: {e}"));
            }
            Some((p.clone(), text))
        }
        None => None,
    };
    let mut options = racelint::Options::configured(config, cli.exclude, cli.host_model);
    // a glob the shell did not expand (`'src/*.js'`) is expanded here
    options.paths = match racelint::expand_globs(&cli.paths, &options.excludes) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    let excluded_by = match &options.config.path {
        Some(p) if !options.config.exclude.is_empty() => format!("--exclude or `exclude` in {}", p.display()),
        _ => "--exclude".to_string(),
    };
    options.only = rules;
    options.baseline = cli.baseline;
    options.stdin = stdin;
    options.cache_dir = if cli.no_cache { None } else { Some(cli.cache_dir.unwrap_or_else(racelint::default_cache_dir)) };
    options.include_generated = cli.include_generated;
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        // a report written to a file is not on the terminal, wherever stdout is
        Color::Auto => {
            cli.output_file.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    // a re-run on an unchanged tree prints the previous run's output
    let run_cache = match (&options.cache_dir, &cli.write_baseline) {
        (Some(dir), None) => {
            let hints = racelint::Hosts::load(&options.host_models).map(|h| h.hints()).unwrap_or_default();
            let extra = format!("{:?} {color} {} {:?}", cli.format as u8, cli.quiet, cli.max_warnings);
            racelint::Cache::open(dir, &hints).zip(racelint::RunKey::compute(&options, &extra))
        }
        _ => None,
    };
    let run_cache = run_cache.map(|(cache, (key, prefetched))| {
        options.prefetched = prefetched;
        (cache, key)
    });
    if let Some((cache, key)) = &run_cache {
        if let Some((code, out)) = cache.get_run(key) {
            if std::env::var_os("RACELINT_TIMINGS").is_some() {
                eprintln!("racelint timing: unchanged inputs: the previous run's output");
            }
            let linted: Vec<&std::path::Path> = options.prefetched.bytes.keys().map(PathBuf::as_path).collect();
            warn_excluded(&options.paths, &linted, &excluded_by);
            if let Err(e) = emit(&mut stdout, cli.output_file.as_deref(), &out) {
                return usage_error(&e);
            }
            if matches!(cli.format, Format::Human) {
                closing_line(linted.len(), started);
            }
            return ExitCode::from(code);
        }
    }
    let mut report = racelint::lint(&options);
    {
        let linted: Vec<&std::path::Path> = report.program.modules.iter().map(|m| m.path.as_path()).collect();
        warn_excluded(&options.paths, &linted, &excluded_by);
    }
    if report.files() == 0 && report.errors.is_empty() {
        // a run that checks nothing must not pass for a clean one (ESLint: exit 2 as well)
        let shown: Vec<String> = options.paths.iter().map(|p| p.display().to_string()).collect();
        return usage_error(&format!(
            "no JavaScript or TypeScript files to lint in {} (.js .mjs .cjs .jsx .ts .tsx .mts .cts; hidden, \
             git-ignored, node_modules, minified and excluded files are skipped)",
            shown.join(", ")
        ));
    }
    let warnings = report.findings.iter().filter(|f| f.severity == racelint::Severity::Warning).count();
    if let Some(path) = &cli.write_baseline {
        let baseline = racelint::Baseline::from_findings(&report.findings, &report.program);
        if let Err(e) = std::fs::write(path, baseline.to_json()) {
            return usage_error(&format!("cannot write {}: {e}", path.display()));
        }
        eprintln!("racelint: wrote {} findings to {}", baseline.findings.len(), path.display());
        std::mem::forget(report);
        return ExitCode::SUCCESS;
    }
    // after the baseline, which records every finding
    if cli.quiet {
        report.findings.retain(|f| f.severity == racelint::Severity::Error);
    }
    let render = |w: &mut dyn Write| match cli.format {
        Format::Json => racelint::render::json::write(&report, w),
        Format::EslintJson => racelint::render::eslint::write(&report, w),
        Format::Sarif => racelint::render::sarif::write(&report, w),
        Format::Github => racelint::render::github::write(&report, w),
        Format::Human => {
            w.write_all(racelint::render::human::render(&report, racelint::render::human::Style { color, width: 100 }).as_bytes())
        }
    };
    let mut exit = report.exit_code() as u8;
    if exit == 0 && cli.max_warnings.is_some_and(|max| warnings > max) {
        let s = if warnings == 1 { "" } else { "s" };
        eprintln!("racelint: {warnings} warning{s}, more than --max-warnings {}", cli.max_warnings.unwrap_or(0));
        exit = 1;
    }
    match &run_cache {
        // the output is kept for the next run on the same inputs
        Some((cache, key)) => {
            let mut out = Vec::with_capacity(64 * 1024 + report.findings.len() * 2048);
            let _ = render(&mut out);
            if let Err(e) = emit(&mut stdout, cli.output_file.as_deref(), &out) {
                return usage_error(&e);
            }
            cache.put_run(key, exit, &out);
        }
        // streamed: tens of thousands of findings need not be held in memory twice
        None => {
            let written = match &cli.output_file {
                Some(path) => std::fs::File::create(path).and_then(|f| {
                    let mut w = std::io::BufWriter::with_capacity(256 * 1024, f);
                    render(&mut w)?;
                    w.flush()
                }),
                None => {
                    let mut w = std::io::BufWriter::with_capacity(256 * 1024, stdout);
                    let _ = render(&mut w);
                    let _ = w.flush();
                    Ok(())
                }
            };
            if let (Err(e), Some(path)) = (written, &cli.output_file) {
                return usage_error(&format!("cannot write {}: {e}", path.display()));
            }
        }
    }
    if matches!(cli.format, Format::Human) {
        closing_line(report.files(), started);
    }
    let code = ExitCode::from(exit);
    // the process ends here: freeing every module's facts one by one would only cost time
    std::mem::forget(report);
    code
}

/// The output, on standard output or in the `--output-file`.
fn emit(stdout: &mut dyn Write, file: Option<&std::path::Path>, out: &[u8]) -> Result<(), String> {
    match file {
        Some(path) => std::fs::write(path, out).map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let _ = stdout.write_all(out);
            let _ = stdout.flush();
            Ok(())
        }
    }
}

/// Human mode's last word, on standard error as Ruff and Biome print it.
fn closing_line(files: usize, started: std::time::Instant) {
    let ms = started.elapsed().as_millis();
    eprintln!("Checked {files} file{} in {ms} ms", if files == 1 { "" } else { "s" });
}

/// Says which files named on the command line an exclude dropped.
fn warn_excluded(paths: &[PathBuf], linted: &[&std::path::Path], by: &str) {
    for p in racelint::excluded_explicit(paths, linted) {
        eprintln!("warning: {} is not linted: it matches {by}", p.display());
    }
}

/// `racelint init`: a starter racelint.toml that parses as it is, every setting shown.
fn init() -> ExitCode {
    let path = std::path::Path::new(racelint::config::FILE_NAME);
    if path.exists() {
        return usage_error("racelint.toml already exists here; edit it, or remove it to start again");
    }
    // editors complete the keys from the JSON Schema the npm package ships, when it is there
    let schema = "node_modules/racelint/racelint.schema.json";
    let schema_line = if std::path::Path::new(schema).is_file() {
        format!("#:schema ./{schema}\n")
    } else {
        format!("# with `npm i -D racelint`, a first line `#:schema ./{schema}` lets editors complete this file\n")
    };
    let text = format!("{schema_line}{}", racelint::config::STARTER);
    if let Err(e) = std::fs::write(path, text) {
        return usage_error(&format!("cannot write racelint.toml: {e}"));
    }
    eprintln!("racelint: wrote racelint.toml (see `racelint rules` for the rules it can set)");
    ExitCode::SUCCESS
}
