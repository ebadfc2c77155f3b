//! The size of the futures a caller holds per request. Every layer (facade, generated client, transport)
//! moves its callee's future by value when it starts it, so kilobytes of rarely used states (first
//! contact, re-sign, token fetch, the successor's pages, an undocumented answer's body) were copied several
//! times per request; those paths are boxed. Unboxed, these futures measured 6.7 KB (transport) and
//! 9.9 KB (facade update); the bounds leave room for compiler changes, not for unboxing.
//!
//! A future's size is a property of its type: one value per future type covers every flavour, credential
//! kind and invitee kind, which all share these types.

use mongodb_invitations::{
    Client, Flavour, Invitee, OrgId, OrgInvitationChanges, OrgRole, ProjectId, ProjectRole,
};

const TRANSPORT_BOUND: usize = 1024;
const FACADE_BOUND: usize = 5 * 1024;

#[test]
fn a_transport_attempt_future_stays_small() {
    let transport = transport::Transport::builder()
        .credentials(transport::Credentials::digest("public", "private"))
        .build()
        .expect("transport");
    let request = transport
        .http_client()
        .patch("http://127.0.0.1:9/api/atlas/v2/orgs")
        .body("{}")
        .build()
        .expect("request");
    // Only built, never polled: no request is sent.
    let size = size_of_val(&transport.execute(request));
    assert!(
        size <= TRANSPORT_BOUND,
        "Transport::execute's future is {size} bytes"
    );
}

#[test]
fn an_update_future_stays_small() {
    let org: OrgId = "9ab3ba3ae8a1d55f3cd634db".parse().expect("org id");
    let project: ProjectId = "9ab3ba3ae8a1d55f3cd634dc".parse().expect("project id");
    let invitee = Invitee::Id("cb306961b04e4e19afc60895".parse().expect("invitation id"));
    let changes = OrgInvitationChanges::roles(vec![OrgRole::Member]);
    let client = Client::builder(Flavour::AtlasV2)
        .base_url("http://127.0.0.1:9")
        .digest("public", "private")
        .build()
        .expect("client");
    // Only built, never polled: no request is sent.
    let org_size = size_of_val(&client.update_org_invitation(&org, &invitee, &changes));
    let project_size = size_of_val(&client.update_project_invitation(
        &project,
        &invitee,
        &[ProjectRole::ReadOnly],
    ));
    assert!(
        org_size <= FACADE_BOUND && project_size <= FACADE_BOUND,
        "update futures are {org_size} (org) and {project_size} (project) bytes"
    );
}
