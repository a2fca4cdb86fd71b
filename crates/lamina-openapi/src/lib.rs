//! `lamina openapi`: one OpenAPI document for every domain of a project, and the frontend's typed
//! client generated from it.
//!
//! * [`extract`] imports each domain's handler in Python, in the dev venv and with the domain's
//!   Lambda environment, and asks its FastAPI app for its document (one process per domain, in
//!   parallel). A domain that fails to import is named, with the traceback's last line.
//! * [`merge`] joins the documents under their route prefixes: operation ids prefixed by the
//!   domain, components renamed only where two domains disagree, and the JWT authorizer's security
//!   on the routes `lamina routes` protects (decided by the gateway's own route matcher).
//! * [`Generator`] runs openapi-typescript, pinned by an embedded lock file, on the merged
//!   document: `openapi.json` and `schema.d.ts` in `frontend/src/api`, which `openapi-fetch`
//!   turns into a typed client. The output is byte-for-byte deterministic.
//! * [`run`] does all three and writes only files whose bytes changed (or, in [`Mode::Check`],
//!   reports them), so `lamina dev` can regenerate on every change without waking Vite for nothing.

mod error;
mod extract;
mod generate;
mod merge;
mod typescript;

pub use error::OpenApiError;
pub use extract::{DomainDocument, DomainSource, Interpreter, extract};
pub use generate::{
    CLIENT_FILE, DOCUMENT_FILE, FileState, Mode, Options, Outcome, default_out_dir, run,
};
pub use merge::{Merged, SECURITY_SCHEME, merge};
pub use typescript::{Generator, HEADER};
