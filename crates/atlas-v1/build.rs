//! Generates the client from the committed fragment (see `mongodb-invitations-codegen`).

fn main() {
    codegen::build(codegen::ATLAS_V1);
}
