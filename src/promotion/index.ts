export { guardPromotion, isPromotionFinding, promotionMessage, type PromotionCheck, type PromotionGuardArgs } from "./guard";
export { canonicalJson, estateRevision, programFingerprint, REVISION_OUTPUT, shortRevision, type RevisionParts } from "../model/revision";
