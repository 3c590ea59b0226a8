//! `desk-server`: serve the API, run the demo, administer organisations, users and topics.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use desk_core::Core;
use desk_domain::Role;
use desk_server::Clock;
use desk_server::config::{Config, LogFormat, Overrides};
use desk_server::{admin, demo};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "desk-server", version, about = "Desk support backend")]
struct Cli {
    /// Config file (TOML). Also DESK_CONFIG.
    #[arg(long, global = true, env = "DESK_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory: database and attachment files. Also DESK_DATA_DIR.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080. Also DESK_LISTEN.
    #[arg(long, global = true)]
    listen: Option<SocketAddr>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until Ctrl-C or SIGTERM.
    Serve,
    /// Serve with sample organisations, accounts and tickets (loaded into an empty data dir).
    Demo {
        /// Wipe the data directory first.
        #[arg(long)]
        reset: bool,
    },
    /// Organisations (customer companies).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Topics customers choose from.
    #[command(subcommand)]
    Topics(TopicsCommand),
    /// Print the OpenAPI document.
    Openapi,
    /// The Telegram bots.
    #[command(subcommand)]
    Telegram(TelegramCommand),
}

#[derive(Subcommand)]
enum TelegramCommand {
    /// Ask the Bot API who each configured token belongs to (getMe) and print the bots' names.
    Check,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Add an organisation.
    Add {
        name: String,
        /// IANA time zone (default from config: Europe/Kyiv).
        #[arg(long)]
        timezone: Option<String>,
    },
    /// List organisations.
    List,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Customer,
    Agent,
    Admin,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account. Without --password, prints a one-time invitation code.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The customer's organisation (required for customers).
        #[arg(long)]
        org: Option<String>,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        password: Option<String>,
        /// Language: uk or en.
        #[arg(long, default_value = "uk")]
        locale: String,
    },
}

#[derive(Subcommand)]
enum TopicsCommand {
    /// Make the topic list exactly the one in FILE (JSON: {"topics": [...]}).
    Import { file: PathBuf },
    /// List topics.
    List,
}

fn init_logs(format: LogFormat, quiet: bool) {
    let default = if quiet {
        "warn"
    } else {
        "info,sqlx=warn,tower_http=info"
    };
    let filter = EnvFilter::try_from_env("DESK_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// The configured store with the services over it, topics seeded on a fresh one.
async fn open(config: &Config) -> anyhow::Result<Core> {
    let core = desk_server::store::open(config, Clock::system()).await?;
    desk_server::topics::seed_if_empty(&core).await?;
    Ok(core)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut overrides = Overrides {
        data_dir: cli.data_dir.clone(),
        listen: cli.listen,
    };
    if matches!(cli.command, Command::Demo { .. })
        && overrides.data_dir.is_none()
        && std::env::var_os("DESK_DATA_DIR").is_none()
    {
        overrides.data_dir = Some(PathBuf::from("desk-demo-data"));
    }
    let config = Config::load(cli.config.as_deref(), &overrides)?;
    let serving = matches!(cli.command, Command::Serve | Command::Demo { .. });
    init_logs(config.log_format, !serving);

    match cli.command {
        Command::Serve => serve(config).await,
        Command::Demo { reset } => {
            if reset && config.data_dir.exists() {
                std::fs::remove_dir_all(&config.data_dir)?;
            }
            let core = open(&config).await?;
            if demo::seed(&core, &config.default_timezone).await? {
                tracing::info!("loaded the demo data");
            }
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            let addr = listener.local_addr()?;
            print_demo(addr, &config)?;
            let running = desk_server::start_with_core(config, listener, core).await?;
            run_until_signal(running).await
        }
        Command::Org(OrgCommand::Add { name, timezone }) => {
            let core = open(&config).await?;
            let tz = timezone.unwrap_or_else(|| config.default_timezone.clone());
            let org = admin::add_org(&core, &name, &tz).await?;
            println!("organisation added: {} ({})", org.name, org.id);
            core.close().await;
            Ok(())
        }
        Command::Org(OrgCommand::List) => {
            let core = open(&config).await?;
            for o in core
                .list_organizations()
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.en))?
            {
                println!("{}\t{}\t{}", o.id, o.timezone, o.name);
            }
            core.close().await;
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            role,
            org,
            name,
            password,
            locale,
        }) => {
            let core = open(&config).await?;
            let role = match role {
                RoleArg::Customer => Role::Customer,
                RoleArg::Agent => Role::Agent,
                RoleArg::Admin => Role::Admin,
            };
            let (user, code) = admin::add_user(
                &core,
                admin::AddUser {
                    email: &email,
                    name: name.as_deref(),
                    role,
                    org: org.as_deref(),
                    password: password.as_deref(),
                    locale: &locale,
                    invitation_ttl_days: config.invitation_ttl_days,
                },
            )
            .await?;
            println!(
                "user added: {} ({}, {})",
                user.email,
                user.role.as_str(),
                user.id
            );
            if let Some(code) = code {
                println!(
                    "invitation code: {code}\n(valid {} days; the user sets a password with it in the app, or POST /api/v1/auth/accept-invitation)",
                    config.invitation_ttl_days
                );
            }
            core.close().await;
            Ok(())
        }
        Command::Topics(TopicsCommand::Import { file }) => {
            let core = open(&config).await?;
            let n = admin::import_topics(&core, &file).await?;
            println!("topics imported: {n} changed");
            core.close().await;
            Ok(())
        }
        Command::Topics(TopicsCommand::List) => {
            let core = open(&config).await?;
            for t in core
                .topics(true)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.en))?
            {
                let flags = match (t.urgent, t.active) {
                    (_, false) => "retired",
                    (true, true) => "urgent",
                    (false, true) => "",
                };
                println!("{}\t{}\t{}\t{}", t.position, t.id, flags, t.title.uk);
            }
            core.close().await;
            Ok(())
        }
        Command::Telegram(TelegramCommand::Check) => {
            if config.telegram.bots().is_empty() {
                anyhow::bail!("{}", desk_server::telegram::NONE_CONFIGURED);
            }
            let results = desk_server::telegram::check(&config.telegram).await;
            for r in &results {
                if r.ok {
                    println!("{}", r.line);
                } else {
                    eprintln!("{}", r.line);
                }
            }
            let failed = results.iter().filter(|r| !r.ok).count();
            if failed > 0 {
                anyhow::bail!("{failed} of {} Telegram bot checks failed", results.len());
            }
            Ok(())
        }
        Command::Openapi => {
            use utoipa::OpenApi;
            println!(
                "{}",
                desk_server::openapi::ApiDoc::openapi().to_pretty_json()?
            );
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(data_dir = %config.data_dir.display(), "starting");
    let running = desk_server::start(config, listener).await?;
    run_until_signal(running).await
}

async fn run_until_signal(running: desk_server::Running) -> anyhow::Result<()> {
    let stopping = running.state.stopping.clone();
    tokio::spawn(async move {
        desk_server::app::shutdown_signal().await;
        stopping.cancel();
    });
    running.wait().await
}

fn print_demo(addr: SocketAddr, config: &Config) -> anyhow::Result<()> {
    println!();
    println!("Desk demo server: http://{addr}");
    println!("  API:      http://{addr}/api/v1   (OpenAPI: http://{addr}/api/v1/openapi.json)");
    println!("  Data:     {}", config.data_dir.display());
    println!("  Accounts (all with the password shown):");
    for u in demo::accounts()? {
        println!(
            "    {:<9} {:<42} {:<16} {}",
            u.role.as_str(),
            u.email,
            u.password,
            u.organization.as_deref().unwrap_or("(vendor)")
        );
    }
    println!("  Stop with Ctrl-C.");
    println!();
    Ok(())
}
