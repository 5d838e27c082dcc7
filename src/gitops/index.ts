/** The committed form of the Kargo objects (gitops delivery). */
export { MANIFEST_FILE, prepareManifests, renderManifestFile, type KubernetesObject, type ManifestFile } from "./manifests";
