/** Argo CD: the Application and the delivery modes. */
export { buildApplication, KARGO_REFRESH_POINTER, repoURL, type ArgoApplication, type DeliverySettings } from "./application";
export { declareDelivery, GitopsDelivery, type GitopsDeliveryArgs } from "./delivery";
