//! Deskside's settings: one typed struct, read once from flags and environment variables.

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
};

#[derive(Debug, Parser)]
#[command(
    name = "server",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("DESKSIDE_COMMIT"), ")"),
    about = "Deskside: the help portal a business shares with its IT provider.",
    long_about = "Deskside: the help portal a business shares with its IT provider.\n\n\
                  Without a command it serves the portal. Every option can also be set through \
                  the environment variable shown next to it."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (the default when no command is given).
    Serve,
    /// Create a client organization.
    CreateOrg {
        /// The organization's name, unique regardless of case.
        name: String,
    },
    /// Create a user. The password is read from standard input (one line), so setup can be
    /// scripted without the password showing in the process list.
    CreateUser {
        /// The organization's name.
        #[arg(long)]
        org: String,
        /// requester, manager (client organizations), technician or admin (the provider).
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Write a consistent copy of the database to PATH while the portal keeps serving.
    Backup {
        /// Where to write the copy; the file must not exist yet.
        path: PathBuf,
    },
}

/// Everything the server needs to know about its surroundings.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// The SQLite database file; created with its folder on first start.
    #[arg(long, env = "DESKSIDE_DATABASE", default_value = "data/deskside.db")]
    pub database: PathBuf,

    /// The address and port to listen on.
    #[arg(long, env = "DESKSIDE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Folder for uploaded files.
    #[arg(long, env = "DESKSIDE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// The address people use to reach the portal. An https address makes cookies Secure.
    #[arg(
        long,
        env = "DESKSIDE_BASE_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub base_url: String,

    /// Seed demo organizations and accounts on first start (when the database has no users).
    /// (`DESKSIDE_DEMO` takes 1/0, true/false, yes/no, on/off.)
    #[arg(
        long,
        env = "DESKSIDE_DEMO",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub demo: bool,

    /// Days of past life the demo gives its two client offices (tickets, conversations, time,
    /// ratings, articles that answered questions), up to yesterday; 0 seeds no tickets.
    #[arg(long, env = "DESKSIDE_DEMO_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(0..=365))]
    pub demo_days: u32,

    /// The folder cargo-leptos builds the browser bundle and assets into.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Failed sign-ins allowed per account from one address within 15 minutes; past as many
    /// from everywhere together, further guesses are spaced out ever longer.
    #[arg(long, env = "DESKSIDE_LOGIN_FAILURES_PER_ACCOUNT", default_value_t = 5)]
    pub login_failures_per_account: u32,

    /// Failed sign-ins allowed per client address within 15 minutes.
    #[arg(
        long,
        env = "DESKSIDE_LOGIN_FAILURES_PER_ADDRESS",
        default_value_t = 20
    )]
    pub login_failures_per_address: u32,

    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose forwarding header
    /// names the client. Without any, forwarding headers are ignored and the connecting
    /// address is the client.
    #[arg(
        long,
        env = "DESKSIDE_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_proxy
    )]
    pub trusted_proxies: Vec<IpNet>,

    /// Which header the trusted proxies set: `x-forwarded-for` or `forwarded` (RFC 7239).
    /// Only that one is read; a proxy passes the other on from the client unchecked.
    #[arg(
        long,
        env = "DESKSIDE_PROXY_HEADER",
        value_enum,
        default_value_t = ProxyHeader::XForwardedFor
    )]
    pub proxy_header: ProxyHeader,

    /// Live streams (`/api/v1/events`: one per open tab of the portal, or a script's) one
    /// person may hold open at once; one more is refused with 429.
    #[arg(
        long,
        env = "DESKSIDE_STREAMS_PER_PERSON",
        default_value_t = crate::live::streams::DEFAULT_PER_PERSON
    )]
    pub streams_per_person: usize,

    /// The largest file one may attach, in megabytes.
    #[arg(long, env = "DESKSIDE_MAX_FILE_MB", default_value_t = 20)]
    pub max_file_mb: usize,

    /// The most one upload (all its files together) may carry, in megabytes.
    #[arg(long, env = "DESKSIDE_MAX_UPLOAD_MB", default_value_t = 50)]
    pub max_upload_mb: usize,

    /// Days after resolution during which the requester may reopen a ticket.
    #[arg(long, env = "DESKSIDE_REOPEN_DAYS", default_value_t = 14)]
    pub reopen_days: u32,

    /// Days after which a resolved ticket closes by itself.
    #[arg(long, env = "DESKSIDE_AUTO_CLOSE_DAYS", default_value_t = 7)]
    pub auto_close_days: u32,

    /// Seconds a client has to send a request's headers, counted from when the connection opens
    /// or its previous answer was sent, so it also closes idle kept-alive connections.
    #[arg(long, env = "DESKSIDE_HEADER_TIMEOUT_SECS", default_value_t = 20)]
    pub header_timeout_secs: u64,

    /// Seconds the server gives itself to answer a request; signed-in uploads get one more
    /// second per 64 KiB they announce.
    #[arg(long, env = "DESKSIDE_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Connections served at once; further ones wait, unanswered, until one closes.
    #[arg(long, env = "DESKSIDE_MAX_CONNECTIONS", default_value_t = 512)]
    pub max_connections: usize,

    /// The most the files of one organization's tickets may take together, in megabytes.
    #[arg(long, env = "DESKSIDE_ORG_UPLOAD_QUOTA_MB", default_value_t = 5120)]
    pub org_upload_quota_mb: u64,

    /// Log filter, e.g. `info` or `server=debug,tower_http=info`.
    #[arg(long, env = "DESKSIDE_LOG", default_value = "info")]
    pub log: String,

    #[command(flatten)]
    pub mail: crate::mail::MailSettings,
}

/// The header a trusted reverse proxy records the client's address in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProxyHeader {
    XForwardedFor,
    Forwarded,
}

/// A proxy as a range (`10.0.0.0/8`) or a single address (`10.0.0.5`).
fn parse_proxy(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{value:?} is neither an IP address nor a CIDR range"))
}

impl Settings {
    /// Whether the portal is reached over https, so cookies must be Secure.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// Settings for tests and tools: a database in `dir`, a free port, no demo data.
    pub fn for_dir(dir: &std::path::Path) -> Settings {
        Settings {
            database: dir.join("deskside.db"),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: dir.join("data"),
            base_url: "http://127.0.0.1".into(),
            demo: false,
            // Tests that seed the demo expect its people and nothing they did.
            demo_days: 0,
            site_root: PathBuf::from("target/site"),
            login_failures_per_account: 5,
            login_failures_per_address: 20,
            trusted_proxies: Vec::new(),
            proxy_header: ProxyHeader::XForwardedFor,
            streams_per_person: crate::live::streams::DEFAULT_PER_PERSON,
            max_file_mb: 20,
            max_upload_mb: 50,
            reopen_days: 14,
            auto_close_days: 7,
            header_timeout_secs: 20,
            request_timeout_secs: 30,
            max_connections: 512,
            org_upload_quota_mb: 5120,
            log: "warn".into(),
            mail: crate::mail::MailSettings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn create_user_takes_org_role_email_and_name() {
        let cli = Cli::try_parse_from([
            "server",
            "create-user",
            "--org",
            "Acme",
            "--role",
            "manager",
            "--email",
            "m@acme.test",
            "--name",
            "M",
        ])
        .unwrap();
        assert!(matches!(cli.command, Some(Command::CreateUser { ref org, .. }) if org == "Acme"));
    }

    #[test]
    fn demo_is_a_plain_switch() {
        assert!(
            Cli::try_parse_from(["server", "--demo"])
                .unwrap()
                .settings
                .demo
        );
        assert!(!Cli::try_parse_from(["server"]).unwrap().settings.demo);
    }

    #[test]
    fn demo_days_default_to_ninety_and_take_zero() {
        let days = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.settings.demo_days);
        assert_eq!(days(&["server"]).unwrap(), 90);
        assert_eq!(days(&["server", "--demo-days", "0"]).unwrap(), 0);
        assert!(days(&["server", "--demo-days", "-1"]).is_err());
        assert!(days(&["server", "--demo-days", "366"]).is_err());
    }

    #[test]
    fn https_base_url_means_secure_cookies() {
        let mut s = Settings::for_dir(std::path::Path::new("/tmp"));
        assert!(!s.secure_cookies());
        s.base_url = "https://help.example.com".into();
        assert!(s.secure_cookies());
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges_and_refuse_anything_else() {
        let cli = Cli::try_parse_from([
            "server",
            "--trusted-proxies",
            "10.0.0.0/8, 192.0.2.7,2001:db8::/32",
        ])
        .unwrap();
        assert_eq!(
            cli.settings.trusted_proxies,
            ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"].map(|n| n.parse::<IpNet>().unwrap())
        );
        assert_eq!(cli.settings.proxy_header, ProxyHeader::XForwardedFor);
        assert!(Cli::try_parse_from(["server", "--trusted-proxies", "proxy.local"]).is_err());
        assert!(
            Cli::try_parse_from(["server"])
                .unwrap()
                .settings
                .trusted_proxies
                .is_empty()
        );
    }
}
