import Foundation

// What `deploy` does to a deployment, decided once for every store: each store only loads the
// record, checks the model version exists, and saves what comes back with its event.
extension DeploymentSpec {
    /// The first version behind a new deployment; only a direct deploy can create one.
    func newDeployment(at now: Double, by: String) throws -> DeploymentRecord {
        guard mode == .direct else {
            throw StoreError.badDeployment("deployment '\(name)' does not exist yet, so there is no stable version to compare a \(mode.rawValue) against; deploy a first version without --canary or --shadow")
        }
        return DeploymentRecord(name: name, model: model, stableVersion: version, maxErrorRate: maxErrorRate,
                                maxP99Ms: maxP99Ms, minRequests: minRequests, createdAt: now, updatedAt: now, updatedBy: by)
    }

    /// `deployment` with this spec applied, and the event that records it.
    func applied(to deployment: DeploymentRecord) throws -> (DeploymentRecord, DeploymentEventRecord.Action) {
        var deployment = deployment
        guard deployment.model == model else {
            throw StoreError.badDeployment("deployment '\(name)' serves model '\(deployment.model)', not '\(model)'; deploy \(model) under another name")
        }
        let action: DeploymentEventRecord.Action
        switch mode {
        case .direct:
            guard version != deployment.stableVersion || deployment.candidateVersion != nil else {
                throw StoreError.badDeployment("deployment '\(name)' already serves \(model):\(version)")
            }
            if version != deployment.stableVersion { deployment.previousStableVersion = deployment.stableVersion }
            deployment.stableVersion = version
            deployment.candidateVersion = nil
            action = .deploy
        case .canary, .shadow:
            guard version != deployment.stableVersion else {
                throw StoreError.badDeployment("\(model):\(version) is already the stable version of '\(name)'; a \(mode.rawValue) needs another version")
            }
            deployment.candidateVersion = version
            action = mode == .canary ? .canary : .shadow
        }
        deployment.mode = mode
        deployment.canaryPercent = mode == .canary ? canaryPercent : 0
        deployment.stickyHeader = mode == .canary ? stickyHeader : nil
        deployment.maxErrorRate = maxErrorRate
        deployment.maxP99Ms = maxP99Ms
        deployment.minRequests = minRequests
        return (deployment, action)
    }
}
