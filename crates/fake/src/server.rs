//! Starting, reading and stopping a fake server.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{any, post};
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt as _;

use crate::api_error::ApiFailure;
use crate::auth::Secret;
use crate::auth::UnauthorizedBody;
use crate::auth::digest::{DigestAlgorithm, DigestVerifier, NonceCounting};
use crate::auth::token::TokenBook;
use crate::counters::{Counters, CountersSnapshot, lock};
use crate::faults::{Fault, FaultPlan, Faults, FaultsError};
use crate::flavour::{Flavour, Op, Product};
use crate::handlers::{self, Call};
use crate::middleware::{ConnectionKill, gate};
use crate::render;
use crate::schema::Contracts;
use crate::seed::{SeedData, SeedDataError};
use crate::store::Store;

/// Why a server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The fault plan is not valid.
    #[error(transparent)]
    Faults(#[from] FaultsError),
    /// The seed data is not valid.
    #[error(transparent)]
    SeedData(#[from] SeedDataError),
    /// An embedded fragment lacks an operation the fake serves or a schema does not compile.
    #[error("the embedded OpenAPI fragments do not fit the fake: {0}")]
    Spec(String),
}

/// Settings for a [`FakeServer`]; every one has a default.
#[derive(Clone)]
pub struct FakeServerBuilder {
    addr: SocketAddr,
    seed: u64,
    seed_data: Option<SeedData>,
    digest_keys: HashMap<String, Secret>,
    service_accounts: HashMap<String, Secret>,
    nonce_max_uses: u32,
    nonce_max_age: Duration,
    digest_algorithm: DigestAlgorithm,
    nonce_counting: NonceCounting,
    unauthorized_body: UnauthorizedBody,
    faults: Faults,
    token_ttl: Duration,
    retry_window: Duration,
    anonymous: bool,
    sunset_passed: bool,
    endless_pages: bool,
}

impl std::fmt::Debug for FakeServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServerBuilder")
            .field("addr", &self.addr)
            .field("seed", &self.seed)
            .field("public_keys", &self.digest_keys.keys().collect::<Vec<_>>())
            .field(
                "service_accounts",
                &self.service_accounts.keys().collect::<Vec<_>>(),
            )
            .field("nonce_max_uses", &self.nonce_max_uses)
            .field("nonce_max_age", &self.nonce_max_age)
            .field("digest_algorithm", &self.digest_algorithm)
            .field("nonce_counting", &self.nonce_counting)
            .field("unauthorized_body", &self.unauthorized_body)
            .field("faults", &self.faults)
            .field("token_ttl", &self.token_ttl)
            .field("anonymous", &self.anonymous)
            .field("sunset_passed", &self.sunset_passed)
            .field("endless_pages", &self.endless_pages)
            .finish_non_exhaustive()
    }
}

impl Default for FakeServerBuilder {
    fn default() -> Self {
        FakeServerBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 0,
            seed_data: None,
            digest_keys: HashMap::new(),
            service_accounts: HashMap::new(),
            nonce_max_uses: 100,
            nonce_max_age: Duration::from_secs(60),
            digest_algorithm: DigestAlgorithm::Md5,
            nonce_counting: NonceCounting::Strict,
            unauthorized_body: UnauthorizedBody::Json,
            faults: Faults::none(),
            token_ttl: Duration::from_secs(3600),
            retry_window: Duration::from_secs(10),
            anonymous: false,
            sunset_passed: false,
            endless_pages: false,
        }
    }
}

impl FakeServerBuilder {
    /// Where to listen; `127.0.0.1:0` (a free loopback port) by default.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Seeds the generated data (unless [`seed_data`](Self::seed_data) is given), new ids and the fault
    /// draw; 0 by default.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Starts from this data instead of data generated from the seed (see [`SeedData::from_file`]).
    pub fn seed_data(mut self, data: SeedData) -> Self {
        self.seed_data = Some(data);
        self
    }

    /// Accepts this API key pair with Digest (public key as user name); call again for more pairs.
    pub fn digest_keys(
        mut self,
        public_key: impl Into<String>,
        private_key: impl Into<String>,
    ) -> Self {
        self.digest_keys
            .insert(public_key.into(), Secret(private_key.into()));
        self
    }

    /// Accepts this service account at `POST /api/oauth/token`; call again for more.
    pub fn service_account(
        mut self,
        client_id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        self.service_accounts
            .insert(client_id.into(), Secret(secret.into()));
        self
    }

    /// How many requests one nonce authenticates before it is stale; 100 by default.
    pub fn nonce_max_uses(mut self, uses: u32) -> Self {
        self.nonce_max_uses = uses;
        self
    }

    /// How long a nonce lives before it is stale; 60 s by default.
    pub fn nonce_max_age(mut self, age: Duration) -> Self {
        self.nonce_max_age = age;
        self
    }

    /// The algorithm challenges offer and answers must use; MD5 by default.
    pub fn digest_algorithm(mut self, algorithm: DigestAlgorithm) -> Self {
        self.digest_algorithm = algorithm;
        self
    }

    /// How the `nc` values of a nonce are checked; [`NonceCounting::Strict`] (each count above the
    /// highest accepted, in arrival order) by default.
    pub fn nonce_counting(mut self, counting: NonceCounting) -> Self {
        self.nonce_counting = counting;
        self
    }

    /// What the body of a 401 looks like; MongoDB's JSON `ApiError` by default. The `WWW-Authenticate`
    /// challenge is the same whatever the body.
    pub fn unauthorized_body(mut self, body: UnauthorizedBody) -> Self {
        self.unauthorized_body = body;
        self
    }

    /// The fault plan; none by default.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// How long issued access tokens last; one hour by default.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// How close together two identical authenticated requests must be to count as a retry; 10 s by
    /// default.
    pub fn retry_window(mut self, window: Duration) -> Self {
        self.retry_window = window;
        self
    }

    /// Also serves API requests that carry no `Authorization` header at all (off by default), for
    /// exercising a client that has no authentication wired in. Credentials that are present are still
    /// checked, and refused when wrong.
    pub fn allow_anonymous(mut self, allow: bool) -> Self {
        self.anonymous = allow;
        self
    }

    /// Acts as if the sunset of the deprecated operations had passed (off by default): every operation
    /// its fragment marks deprecated (the twelve v2 invitation operations; v1.0 and Ops Manager mark
    /// none) answers 410 `VERSION_GONE` and changes nothing. See also [`FakeServer::set_sunset_passed`].
    pub fn sunset_passed(mut self, passed: bool) -> Self {
        self.sunset_passed = passed;
        self
    }

    /// Serves pages that never end (off by default): every page of `list_org_users` and
    /// `list_project_users` is full (the matching users repeat in a cycle), always has a `next` link
    /// and never a `totalCount`. For testing a client's page limit. See also
    /// [`FakeServer::set_endless_pages`].
    pub fn endless_pages(mut self, endless: bool) -> Self {
        self.endless_pages = endless;
        self
    }

    /// Binds the address and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<FakeServer, StartError> {
        self.faults.validate()?;
        let contracts = contracts()?;
        let seeded = match self.seed_data {
            Some(data) => {
                data.check()?;
                data
            }
            None => SeedData::generate(self.seed),
        };
        let listener = TcpListener::bind(self.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.addr,
            source,
        })?;
        let base_url = format!("http://{addr}");
        let app = Arc::new(App {
            contracts,
            digest: DigestVerifier::new(
                self.digest_algorithm,
                self.nonce_counting,
                self.nonce_max_uses,
                self.nonce_max_age,
                self.digest_keys,
            ),
            tokens: TokenBook::new(self.service_accounts, self.token_ttl),
            counters: Counters::new(self.retry_window),
            faults: FaultPlan::new(self.faults, self.seed),
            base_url: base_url.clone(),
            anonymous: self.anonymous,
            unauthorized_body: self.unauthorized_body,
            sunset_passed: AtomicBool::new(self.sunset_passed),
            endless_pages: AtomicBool::new(self.endless_pages),
            atlas: Mutex::new(Store::new(seeded.clone(), self.seed)),
            ops_manager: Mutex::new(Store::new(seeded.clone(), self.seed)),
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, router(app.clone()), stopped));
        Ok(FakeServer {
            app,
            addr,
            base_url,
            seeded,
            stop,
            task: Some(task),
        })
    }
}

/// A running fake; see the [crate documentation](crate) for what it serves.
///
/// Dropping it stops it without waiting; [`shutdown`](Self::shutdown) stops it and waits.
pub struct FakeServer {
    app: Arc<App>,
    addr: SocketAddr,
    base_url: String,
    seeded: SeedData,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl FakeServer {
    /// Settings with their defaults.
    pub fn builder() -> FakeServerBuilder {
        FakeServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL plus a flavour's prefix, e.g. `http://127.0.0.1:PORT/api/atlas/v2`.
    pub fn url(&self, flavour: Flavour) -> String {
        format!("{}{}", self.base_url, flavour.prefix())
    }

    /// The data the server started with (ids, names, usernames); serializes to the JSON
    /// [`SeedData::from_json`] reads.
    pub fn seeded(&self) -> &SeedData {
        &self.seeded
    }

    /// The data a product's store holds now.
    pub fn state(&self, product: Product) -> SeedData {
        self.app.store(product).data().clone()
    }

    /// What the server has counted so far.
    pub fn counters(&self) -> CountersSnapshot {
        self.app.counters.snapshot()
    }

    /// Sets every counter back to zero.
    pub fn reset_counters(&self) {
        self.app.counters.reset();
    }

    /// Queues faults for the next authenticated API requests, one each, in order, ahead of the plan.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.app.faults.inject(faults);
    }

    /// Replaces the fault plan from now on.
    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        faults.validate()?;
        self.app.faults.set(faults);
        Ok(())
    }

    /// Turns the sunset switch ([`FakeServerBuilder::sunset_passed`]) on or off from the next request on.
    pub fn set_sunset_passed(&self, passed: bool) {
        self.app.sunset_passed.store(passed, Ordering::Relaxed);
    }

    /// Turns endless pages ([`FakeServerBuilder::endless_pages`]) on or off from the next request on.
    pub fn set_endless_pages(&self, endless: bool) {
        self.app.endless_pages.store(endless, Ordering::Relaxed);
    }

    /// Stops accepting, closes every connection and waits until it is done.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// What every handler shares.
pub(crate) struct App {
    pub(crate) contracts: &'static Contracts,
    pub(crate) digest: DigestVerifier,
    pub(crate) tokens: TokenBook,
    pub(crate) counters: Counters,
    pub(crate) faults: FaultPlan,
    pub(crate) base_url: String,
    pub(crate) anonymous: bool,
    pub(crate) unauthorized_body: UnauthorizedBody,
    pub(crate) sunset_passed: AtomicBool,
    pub(crate) endless_pages: AtomicBool,
    atlas: Mutex<Store>,
    ops_manager: Mutex<Store>,
}

impl App {
    pub(crate) fn store(&self, product: Product) -> MutexGuard<'_, Store> {
        match product {
            Product::Atlas => lock(&self.atlas),
            Product::OpsManager => lock(&self.ops_manager),
        }
    }
}

/// The fragments parse and compile once per process: every server serves the same ones.
fn contracts() -> Result<&'static Contracts, StartError> {
    static CONTRACTS: OnceLock<Result<Contracts, String>> = OnceLock::new();
    CONTRACTS
        .get_or_init(Contracts::load)
        .as_ref()
        .map_err(|e| StartError::Spec(e.clone()))
}

/// One operation served at an axum path. A template whose last segment is `{param}:verb` (the v2
/// `:addRole` / `:removeRole` custom methods) is routed at `{param}` and picked by the suffix, because an
/// axum capture cannot carry a literal suffix in its segment.
#[derive(Clone, Copy)]
struct Endpoint {
    method: &'static str,
    suffix: Option<(&'static str, &'static str)>,
    flavour: Flavour,
    op: Op,
}

/// Splits `/users/{userId}:addRole` into `/users/{userId}` and (`userId`, `:addRole`).
fn split_suffix(template: &'static str) -> (&'static str, Option<(&'static str, &'static str)>) {
    let last = template.rfind('/').map_or(0, |i| i + 1);
    match template[last..].find("}:") {
        Some(at) => {
            let close = last + at + 1;
            let param = &template[last + 1..close - 1];
            (&template[..close], Some((param, &template[close..])))
        }
        None => (template, None),
    }
}

/// The endpoint a request means among those at its path: with a suffix on the suffixed parameter only
/// the endpoints of that suffix (none: 404), without one only the plain endpoints; then by method
/// (none: 405). The parameter comes back without its suffix.
fn pick(
    endpoints: &[Endpoint],
    method: &str,
    params: &mut HashMap<String, String>,
) -> Result<Endpoint, StatusCode> {
    let suffixed = endpoints
        .iter()
        .find_map(|e| e.suffix.map(|(param, _)| param));
    let wanted = match suffixed.and_then(|param| params.get_mut(param)) {
        Some(value) => match value.find(':') {
            Some(at) => {
                let suffix = value.split_off(at);
                Some(suffix)
            }
            None => None,
        },
        None => None,
    };
    let same_suffix: Vec<&Endpoint> = endpoints
        .iter()
        .filter(|e| e.suffix.map(|(_, s)| s) == wanted.as_deref())
        .collect();
    if same_suffix.is_empty() {
        return Err(StatusCode::NOT_FOUND);
    }
    same_suffix
        .into_iter()
        .find(|e| e.method.eq_ignore_ascii_case(method))
        .copied()
        .ok_or(StatusCode::METHOD_NOT_ALLOWED)
}

fn router(app: Arc<App>) -> Router {
    let mut paths: BTreeMap<String, Vec<Endpoint>> = BTreeMap::new();
    for flavour in Flavour::ALL {
        for op in Op::ALL {
            let Some((method, template)) = op.route_in(flavour) else {
                continue;
            };
            let (template, suffix) = split_suffix(template);
            paths
                .entry(format!("{}{}", flavour.prefix(), template))
                .or_default()
                .push(Endpoint {
                    method,
                    suffix,
                    flavour,
                    op,
                });
        }
    }
    let mut router = Router::new();
    for (path, endpoints) in paths {
        let endpoints: Arc<[Endpoint]> = endpoints.into();
        let handler = move |State(app): State<Arc<App>>,
                            method: Method,
                            Path(mut params): Path<HashMap<String, String>>,
                            uri: Uri,
                            headers: HeaderMap,
                            body: Bytes| async move {
            let endpoint = match pick(&endpoints, method.as_str(), &mut params) {
                Ok(endpoint) => endpoint,
                Err(StatusCode::METHOD_NOT_ALLOWED) => return method_not_allowed().await,
                Err(_) => return not_found(uri).await,
            };
            let query = Query::<HashMap<String, String>>::try_from_uri(&uri)
                .map(|q| q.0)
                .unwrap_or_default();
            handlers::serve(
                &app,
                &Call {
                    flavour: endpoint.flavour,
                    op: endpoint.op,
                    params: &params,
                    query: &query,
                    raw_query: uri.query(),
                    path: uri.path(),
                    headers: &headers,
                    body: &body,
                },
            )
        };
        router = router.route(&path, any(handler));
    }
    router
        .route("/api/oauth/token", post(crate::oauth::token))
        .route("/api/oauth/revoke", post(crate::oauth::revoke))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(app.clone(), gate))
        .with_state(app)
}

async fn not_found(uri: Uri) -> Response {
    render::failure(
        None,
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            format!("Cannot find resource {}.", uri.path()),
        ),
    )
}

async fn method_not_allowed() -> Response {
    render::failure(
        None,
        ApiFailure::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "This method is not allowed on this resource.",
        ),
    )
}

/// Accepts until told to stop, then closes every open connection.
async fn accept_loop(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                // Out of descriptors or a reset before accept: pause briefly rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// Serves one keep-alive connection; a `drop` fault closes it without an answer.
async fn serve_connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let kill_switch = ConnectionKill(kill.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
        request.extensions_mut().insert(kill_switch.clone());
        router.clone().oneshot(request.map(Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        _ = kill.notified() => {}
    }
}
