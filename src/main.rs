//! The `racelint` command: parse arguments, call the library, print, exit.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

// swc allocates many small nodes: mimalloc makes parsing and dropping ASTs markedly faster
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
    /// Report only these rules (code or name, repeatable)
    #[arg(long, value_name = "RULE")]
    rule: Vec<String>,
    /// Add a host model (TOML, see rules/hosts/sillytavern.toml; repeatable)
    #[arg(long, value_name = "FILE")]
    host_model: Vec<PathBuf>,
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
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    // mimalloc asks for transparent huge pages, and the kernel then zeroes 2 MiB at a time for a
    // process that lives a few dozen milliseconds: twice the memory and no gain
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE only changes this process's paging policy
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
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
                    eprintln!("error: no rule `{rule}`; the rules are {}", codes.join(", "));
                    ExitCode::from(2)
                }
            };
        }
        Some(Command::Rules) => {
            for r in racelint::RULES {
                let _ = writeln!(stdout, "{}  {:<24} {:<8} {}", r.code, r.name, r.severity.as_str(), r.summary);
            }
            return ExitCode::SUCCESS;
        }
        None => {}
    }
    for r in &cli.rule {
        if racelint::rules::rule_by_code(r).is_none() {
            eprintln!("error: no rule `{r}` (see `racelint rules`)");
            return ExitCode::from(2);
        }
    }
    let options = racelint::Options { paths: cli.paths, excludes: cli.exclude, only: cli.rule, host_models: cli.host_model };
    let report = racelint::lint(&options);
    let out = match cli.format {
        Format::Json => racelint::render::json::render(&report),
        Format::Human => {
            let color = match cli.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            };
            racelint::render::human::render(&report, racelint::render::human::Style { color, width: 100 })
        }
    };
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    let code = ExitCode::from(report.exit_code() as u8);
    // the process ends here: freeing every module's facts one by one would only cost time
    std::mem::forget(report);
    code
}
