//! The `standoff` service as its binary runs it: the API app, over a database migrated and
//! (unless told not to) seeded with the bundled story. The integration tests start it here too,
//! so they exercise exactly what ships.

use standoff_api::config::{DatabaseSettings, ServerSettings};
use standoff_api::startup::{Application, StartupError};
use standoff_seeds::SeedError;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The app could not be built (database, configuration, address).
    #[error(transparent)]
    Startup(#[from] StartupError),
    /// The bundled story could not be loaded into the empty database.
    #[error("seeding: {0}")]
    Seed(#[from] SeedError),
}

/// Builds the app (connecting and migrating) and, unless `server.no_seed`, loads the bundled
/// story into an empty database, before anything is served.
pub async fn application(
    database: &DatabaseSettings,
    server: &ServerSettings,
) -> Result<Application, ServeError> {
    let app = Application::build(database, server).await?;
    if !server.no_seed
        && let Some(report) = standoff_seeds::seed_if_empty(&app.database()).await?
    {
        tracing::info!(%report, "seeded an empty database with the bundled story");
    }
    Ok(app)
}
