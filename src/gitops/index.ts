/** The committed form of the Kargo objects (gitops delivery). */
export {
  MANIFEST_FILE,
  MANIFEST_INCLUDE,
  MAX_MANIFEST_FILE_BYTES,
  prepareManifests,
  renderManifestFile,
  renderManifestFiles,
  type KubernetesObject,
  type ManifestFile,
  type Placement,
} from "./manifests";
export { estatePlacement, repoGroup } from "./placement";
