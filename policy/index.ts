// The image-factory policy pack: `pulumi preview --policy-pack ./policy`. Only this file
// builds the pack (constructing a PolicyPack starts the analyzer's gRPC server); the
// policies themselves are in policies.ts, where the tests call them directly.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("image-factory", { policies });
