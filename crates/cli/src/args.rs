//! The command line, as clap sees it.

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};
use mongodb_invitations::{Flavour, Via};

/// MongoDB organization and project invitations: Atlas v2, Atlas v1.0 and Ops Manager.
#[derive(Debug, Parser)]
#[command(name = "invitations", version, about)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options for every command.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Which API to talk to.
    #[arg(long, global = true, value_parser = flavour_parser(), default_value = "atlas-v2")]
    pub(crate) flavour: Flavour,
    /// Scheme, host and port of the API (Atlas: https://cloud.mongodb.com by default; Ops Manager: required,
    /// or MONGODB_ATLAS_OPS_MANAGER_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Ask the server to pretty-print, and print results indented.
    #[arg(long, global = true)]
    pub(crate) pretty: bool,
    /// Ask the server to wrap answers in an envelope (the client unwraps them).
    #[arg(long, global = true)]
    pub(crate) envelope: bool,
    /// Which API serves the invitation commands on Atlas v2: the deprecated invitation endpoints, their
    /// successor (the MongoDB Cloud Users API), or the first until its sunset or first 410, then the second.
    #[arg(long, global = true, value_parser = via_parser(), default_value = "auto")]
    pub(crate) via: Via,
    /// More logging on stderr (-v, -vv, -vvv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// `--flavour`: the names of the table of operations, through the facade's `Flavour` (the one list).
fn flavour_parser() -> impl clap::builder::TypedValueParser<Value = Flavour> {
    clap::builder::PossibleValuesParser::new(Flavour::ALL.map(Flavour::name))
        .try_map(|name| name.parse::<Flavour>())
}

/// `--via`: the facade's names.
fn via_parser() -> impl clap::builder::TypedValueParser<Value = Via> {
    clap::builder::PossibleValuesParser::new(Via::ALL.map(Via::name))
        .try_map(|name| name.parse::<Via>())
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Update one pending invitation (roles given replace the invitation's roles).
    #[command(subcommand)]
    Update(Scoped<UpdateOrg, UpdateProject>),
    /// Show one pending invitation.
    #[command(subcommand)]
    Get(Scoped<ByInvitee, ByInvitee>),
    /// List pending invitations.
    #[command(subcommand)]
    List(Scoped<ListArgs, ListArgs>),
    /// Invite a user.
    #[command(subcommand)]
    Create(Scoped<CreateOrg, CreateProject>),
    /// Cancel a pending invitation.
    #[command(subcommand)]
    Delete(Scoped<ByInvitee, ByInvitee>),
    /// Organization and project users on the MongoDB Cloud Users API (Atlas v2).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Move pending invitations to the MongoDB Cloud Users API before the invitation endpoints' sunset.
    #[command(subcommand)]
    Migrate(MigrateCommand),
    /// Apply updates from JSON lines (a file, or - for stdin).
    Apply(ApplyArgs),
    /// Run the fake MongoDB admin server until Ctrl-C.
    FakeServer(FakeServerArgs),
}

/// An organization or a project.
#[derive(Debug, Subcommand)]
pub(crate) enum Scoped<O: Args, P: Args> {
    /// An organization invitation.
    Org(O),
    /// A project invitation.
    Project(P),
}

/// Which invitation: by id or by the invitee's username.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct Which {
    /// The invitation's id.
    #[arg(long, value_name = "INVITATION_ID")]
    pub(crate) id: Option<String>,
    /// The invitee's email address.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) username: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct UpdateOrg {
    /// The organization's id.
    #[arg(value_name = "ORG_ID")]
    pub(crate) org_id: String,
    #[command(flatten)]
    pub(crate) which: Which,
    #[command(flatten)]
    pub(crate) grants: OrgGrants,
}

/// What an organization invitation grants.
#[derive(Debug, Args)]
pub(crate) struct OrgGrants {
    /// An organization role (repeat for several).
    #[arg(long = "role", value_name = "ROLE", required = true)]
    pub(crate) roles: Vec<String>,
    /// A team to join (repeat for several).
    #[arg(long = "team", value_name = "TEAM_ID")]
    pub(crate) teams: Vec<String>,
    /// A project role to grant as well, as GROUP_ID=ROLE (Atlas v2; repeat for several).
    #[arg(long = "group-role", value_name = "GROUP_ID=ROLE")]
    pub(crate) group_roles: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct UpdateProject {
    /// The project's id.
    #[arg(value_name = "GROUP_ID")]
    pub(crate) group_id: String,
    #[command(flatten)]
    pub(crate) which: Which,
    /// A project role (repeat for several).
    #[arg(long = "role", value_name = "ROLE", required = true)]
    pub(crate) roles: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ByInvitee {
    /// The organization's or project's id.
    #[arg(value_name = "ORG_OR_GROUP_ID")]
    pub(crate) target: String,
    #[command(flatten)]
    pub(crate) which: Which,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The organization's or project's id.
    #[arg(value_name = "ORG_OR_GROUP_ID")]
    pub(crate) target: String,
    /// Only the invitation for this email address.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) username: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CreateOrg {
    /// The organization's id.
    #[arg(value_name = "ORG_ID")]
    pub(crate) org_id: String,
    /// The invitee's email address.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) username: String,
    #[command(flatten)]
    pub(crate) grants: OrgGrants,
}

#[derive(Debug, Args)]
pub(crate) struct CreateProject {
    /// The project's id.
    #[arg(value_name = "GROUP_ID")]
    pub(crate) group_id: String,
    /// The invitee's email address.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) username: String,
    /// A project role (repeat for several).
    #[arg(long = "role", value_name = "ROLE", required = true)]
    pub(crate) roles: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// A file of JSON lines, or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub(crate) file: String,
    /// Requests in flight at once (the updates around them are prepared and reported meanwhile).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) concurrency: u16,
}

#[derive(Debug, Args)]
pub(crate) struct FakeServerArgs {
    /// Address to listen on (loopback only is sensible).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub(crate) addr: std::net::SocketAddr,
    /// Seed for the generated store.
    #[arg(long, default_value_t = 42, conflicts_with = "seed_file")]
    pub(crate) seed: u64,
    /// A JSON file with the store's contents instead of generated ones.
    #[arg(long, value_name = "FILE")]
    pub(crate) seed_file: Option<std::path::PathBuf>,
    /// Fault plan, such as `429=0.1,503=0.05,drop=0.02`.
    #[arg(long, value_name = "SPEC")]
    pub(crate) faults: Option<String>,
}

/// `invitations users ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// List users, all pages.
    #[command(subcommand)]
    List(Scoped<UserList, UserList>),
    /// Show one user.
    #[command(subcommand)]
    Get(Scoped<UserById, UserById>),
    /// Add (invite) a user.
    #[command(subcommand)]
    Add(Scoped<CreateOrg, CreateProject>),
    /// Update a user's roles (organization: roles and teams replace; project: the difference is added,
    /// then removed, one role at a time).
    #[command(subcommand)]
    Update(Scoped<UserUpdateOrg, UserUpdateProject>),
    /// Remove a user (for a pending user: cancel the invitation).
    #[command(subcommand)]
    Remove(Scoped<UserById, UserById>),
    /// Grant one more role.
    #[command(subcommand, name = "add-role")]
    AddRole(Scoped<UserRole, UserRole>),
    /// Take one role away.
    #[command(subcommand, name = "remove-role")]
    RemoveRole(Scoped<UserRole, UserRole>),
}

#[derive(Debug, Args)]
pub(crate) struct UserList {
    /// The organization's or project's id.
    #[arg(value_name = "ORG_OR_GROUP_ID")]
    pub(crate) target: String,
    /// Only this email address.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) username: Option<String>,
    /// Only this membership status (repeat for several).
    #[arg(long = "status", value_parser = ["pending", "active", "invitation-expired", "invitation-rejected"])]
    pub(crate) statuses: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct UserById {
    /// The organization's or project's id.
    #[arg(value_name = "ORG_OR_GROUP_ID")]
    pub(crate) target: String,
    /// The user's id.
    #[arg(long, value_name = "USER_ID")]
    pub(crate) id: String,
}

#[derive(Debug, Args)]
pub(crate) struct UserUpdateOrg {
    /// The organization's id.
    #[arg(value_name = "ORG_ID")]
    pub(crate) org_id: String,
    /// The user's id.
    #[arg(long, value_name = "USER_ID")]
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) grants: OrgGrants,
}

#[derive(Debug, Args)]
pub(crate) struct UserUpdateProject {
    /// The project's id.
    #[arg(value_name = "GROUP_ID")]
    pub(crate) group_id: String,
    /// The user's id.
    #[arg(long, value_name = "USER_ID")]
    pub(crate) id: String,
    /// A project role (repeat for several): the user ends with exactly these.
    #[arg(long = "role", value_name = "ROLE", required = true)]
    pub(crate) roles: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct UserRole {
    /// The organization's or project's id.
    #[arg(value_name = "ORG_OR_GROUP_ID")]
    pub(crate) target: String,
    /// The user's id.
    #[arg(long, value_name = "USER_ID")]
    pub(crate) id: String,
    /// The role (an organization role for org, a project role for project).
    #[arg(long, value_name = "ROLE")]
    pub(crate) role: String,
}

/// `invitations migrate ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum MigrateCommand {
    /// Every pending invitation of an organization (and of the projects named) becomes a pending user on
    /// the successor; then the invitation is cancelled. Safe to re-run after an interruption.
    Org(MigrateOrg),
}

#[derive(Debug, Args)]
pub(crate) struct MigrateOrg {
    /// The organization's id.
    #[arg(value_name = "ORG_ID")]
    pub(crate) org_id: String,
    /// A project of the organization whose invitations to migrate too (repeat for several): the successor
    /// cannot see project invitations sent through the deprecated endpoint, and these bindings do not list
    /// an organization's projects.
    #[arg(long = "project", value_name = "GROUP_ID")]
    pub(crate) projects: Vec<String>,
    /// Print the plan and send reads only.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Invitations migrated at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) concurrency: u16,
}
