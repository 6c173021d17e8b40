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
    /// Parse every file, without the warm-run cache
    #[arg(long)]
    no_cache: bool,
    /// Keep the warm-run cache here (default: $XDG_CACHE_HOME/racelint or ~/.cache/racelint)
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Subcommand)]
enum Command {
    /// Print a rule's documentation
    Explain {
        /// Rule code or name, e.g. RC001 or override-across-await
        rule: String,
    },
    /// List the rules
    Rules,
    /// Run the language server on standard input and output
    Lsp,
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
            return match racelint::rules::rule_by_code(&rule) {
                Some(r) => {
                    let _ = stdout.write_all(r.doc.as_bytes());
                    ExitCode::SUCCESS
                }
                None => {
                    let codes: Vec<&str> = racelint::RULES.iter().map(|r| r.code).collect();
                    usage_error(&format!("no rule `{rule}`; the rules are {}", codes.join(", ")))
                }
            };
        }
        Some(Command::Lsp) => {
            drop(stdout);
            return ExitCode::from(racelint::lsp::run() as u8);
        }
        Some(Command::Rules) => {
            for r in racelint::RULES.iter().chain(racelint::rules::META_RULES.iter()) {
                let _ = writeln!(stdout, "{}  {:<24} {:<8} {}", r.code, r.name, r.severity.as_str(), r.summary);
            }
            return ExitCode::SUCCESS;
        }
        None => {}
    }
    for r in &cli.rule {
        if racelint::rules::rule_by_code(r).is_none() {
            return usage_error(&format!("no rule `{r}` (see `racelint rules`)"));
        }
    }
    let config_path = match (&cli.config, cli.no_config) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => racelint::config::Config::find(std::path::Path::new(".")),
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
    let mut excludes = cli.exclude;
    excludes.extend(config.exclude.iter().cloned());
    let mut host_models = config.host_models.clone();
    host_models.extend(cli.host_model);
    let options = racelint::Options {
        paths: cli.paths,
        excludes,
        only: cli.rule,
        host_models,
        config,
        baseline: cli.baseline,
        stdin,
        overrides: Vec::new(),
        cache_dir: if cli.no_cache { None } else { Some(cli.cache_dir.unwrap_or_else(racelint::cache::default_dir)) },
        prefetched: Default::default(),
    };
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    // a re-run on an unchanged tree prints the previous run's output
    let mut options = options;
    let run_cache = match (&options.cache_dir, &cli.write_baseline) {
        (Some(dir), None) => {
            let hints = racelint::host::Hosts::load(&options.host_models).map(|h| h.hints()).unwrap_or_default();
            let extra = format!("{:?} {color}", cli.format as u8);
            racelint::cache::Cache::open(dir, &hints).zip(racelint::cache::RunKey::compute(&options, &extra))
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
            let _ = stdout.write_all(&out);
            let _ = stdout.flush();
            return ExitCode::from(code);
        }
    }
    let report = racelint::lint(&options);
    if let Some(path) = &cli.write_baseline {
        let baseline = racelint::baseline::Baseline::from_findings(&report.findings, &report.program);
        if let Err(e) = std::fs::write(path, baseline.to_json()) {
            return usage_error(&format!("cannot write {}: {e}", path.display()));
        }
        eprintln!("racelint: wrote {} findings to {}", baseline.findings.len(), path.display());
        std::mem::forget(report);
        return ExitCode::SUCCESS;
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
    let exit = report.exit_code() as u8;
    match &run_cache {
        // the output is kept for the next run on the same inputs
        Some((cache, key)) => {
            let mut out = Vec::with_capacity(64 * 1024 + report.findings.len() * 2048);
            let _ = render(&mut out);
            let _ = stdout.write_all(&out);
            let _ = stdout.flush();
            cache.put_run(key, exit, &out);
        }
        // streamed: tens of thousands of findings need not be held in memory twice
        None => {
            let mut w = std::io::BufWriter::with_capacity(256 * 1024, stdout);
            let _ = render(&mut w);
            let _ = w.flush();
        }
    }
    let code = ExitCode::from(exit);
    // the process ends here: freeing every module's facts one by one would only cost time
    std::mem::forget(report);
    code
}
