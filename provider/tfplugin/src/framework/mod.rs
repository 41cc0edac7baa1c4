//! What a provider author implements: a [`Provider`] offering [`Resource`]s, [`DataSource`]s,
//! [`EphemeralResource`]s, [`ListResource`]s and [`Action`]s. Each operation takes a request
//! struct and fills a response; optional abilities are traits of their own. No protocol in sight.

mod action;
mod ctx;
mod data_source;
mod ephemeral;
mod identity;
mod list;
mod private;
mod provider;
mod resource;

pub use action::{Action, ActionRequest, Progress};
pub use ctx::{ClientCaps, Ctx};
pub use data_source::{DataReadRequest, DataReadResponse, DataSource};
pub use ephemeral::{
    Close, CloseRequest, EphemeralAbilities, EphemeralResource, OpenRequest, OpenResponse, Renew,
    RenewRequest, RenewResponse,
};
pub use identity::{Identity, IdentityAttribute, IdentitySchema};
pub use list::{Found, ListEvent, ListRequest, ListResource, ListSink};
pub use private::Private;
pub use provider::{ConfigureRequest, Provider};
pub use resource::{
    Abilities, ApplyResponse, CreateRequest, DeleteRequest, Import, ImportRequest, ImportResponse,
    ModifyPlan, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource, UpdateRequest,
    UpgradeState, ValidateRequest,
};
