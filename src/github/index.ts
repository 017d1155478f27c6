// The GitHub side's public face: what only a run on GitHub Actions adds around the training
// (the class-image cache, the re-run record, the artifact, the pull-request comment). Each of
// these is best effort: it warns and the run goes on.
export { uploadResultArtifact } from './artifact.js'
export { commentOnPullRequest } from './pr-comment.js'
export { actionsRunServices } from './services.js'
