// The GitHub the tests talk to: the API host and the repository every webhook fixture belongs to. Free of vitest, so
// the benchmark can load the fakes that import it.
export const API = "https://api.github.com";
export const OWNER = "octo-org";
export const REPO = "widgets";
export const REPO_PATH = `/repos/${OWNER}/${REPO}`;
