export { diffResources, labelOf, readRenderedResources, shortType, type FieldChange, type ResourceChange, type ResourceDiff } from "./diff";
export { stackEstate, type StackEstate } from "./estate";
export { formatJson, formatMarkdown, table } from "./format";
export { childrenOf, fanOut, mermaid, shortBase, type FanOut } from "./graph";
export { buildPlan, type Plan, type PlanInput } from "./plan";
