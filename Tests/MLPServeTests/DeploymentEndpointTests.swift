import Foundation
import MLPCore
import Testing
@testable import MLPServe

@Suite struct DeploymentEndpointTests {
    /// Sends `count` requests one after another and returns how many the candidate (version "2")
    /// answered; every answer must come back under the deployment's name.
    static func candidateAnswers(_ deployment: DeploymentEndpoint, count: Int, key: (Int) -> String? = { _ in nil }) async throws -> Int {
        var candidate = 0
        for index in 0..<count {
            let answer = try await deployment.infer(scalarRequest(Double(index)), routingKey: key(index))
            #expect(answer.modelName == deployment.name)
            if answer.modelVersion == "2" { candidate += 1 }
        }
        return candidate
    }

    // A canary's candidate share over n = 10,000 requests is binomial: its standard deviation is
    // sqrt(p(1-p)/n), 0.30, 0.46 and 0.50 points for p = 10, 30 and 50 %, so 2 points is at least
    // 4 sigma (a chance of 6e-5 at worst). The seed makes each run the same draw.
    @Test(arguments: [10.0, 30.0, 50.0])
    func aCanarySplitsTrafficWithinTwoPointsOfItsWeight(percent: Double) async throws {
        let metrics = ServeMetrics()
        let stable = ScriptedVersion(version: "1"), candidate = ScriptedVersion(version: "2")
        let deployment = DeploymentEndpoint(name: "churn", plan: RoutePlan(stable: stable, candidate: candidate, mode: .canary(percent: percent, stickyHeader: nil)),
                                            metrics: metrics, randomSeed: 42)
        let answered = try await Self.candidateAnswers(deployment, count: 10_000)
        #expect(abs(Double(answered) / 100 - percent) <= 2, "candidate answered \(answered) of 10,000 at \(percent) %")
        #expect(candidate.callCount == answered && stable.callCount == 10_000 - answered)
        #expect(metricValue(metrics, #"mlp_deployment_requests_total{deployment="churn",version="2",role="candidate"}"#) == Double(answered))
        #expect(metricValue(metrics, #"mlp_deployment_requests_total{deployment="churn",version="1",role="stable"}"#) == Double(10_000 - answered))
        #expect(metricValue(metrics, #"mlp_deployment_candidate_percent{deployment="churn"}"#) == percent)
    }

    @Test func aStickyHeaderKeepsEachKeyOnOneSideAndSplitsKeysByWeight() async throws {
        let stable = ScriptedVersion(version: "1"), candidate = ScriptedVersion(version: "2")
        let plan = RoutePlan(stable: stable, candidate: candidate, mode: .canary(percent: 30, stickyHeader: "X-User"))
        // Different random seeds: a keyed request does not depend on the draw.
        let first = DeploymentEndpoint(name: "churn", plan: plan, metrics: ServeMetrics(), randomSeed: 1)
        let second = DeploymentEndpoint(name: "churn", plan: plan, metrics: ServeMetrics(), randomSeed: 2)
        #expect(first.stickyHeader == "X-User")
        var sides: [Bool] = []
        for index in 0..<10_000 {
            let key = "user-\(index)"
            let answers = try await [first.infer(scalarRequest(0), routingKey: key), first.infer(scalarRequest(1), routingKey: key),
                                     second.infer(scalarRequest(2), routingKey: key)]
            #expect(Set(answers.map(\.modelVersion)).count == 1, "key \(key) answered by \(answers.map(\.modelVersion))")
            sides.append(answers[0].modelVersion == "2")
        }
        let share = Double(sides.filter { $0 }.count) / 100
        #expect(abs(share - 30) <= 2, "\(share) % of 10,000 keys on the candidate at 30 %")
        // Raising the weight only moves keys onto the candidate.
        let wider = DeploymentEndpoint(name: "churn", plan: RoutePlan(stable: stable, candidate: candidate, mode: .canary(percent: 60, stickyHeader: "X-User")),
                                       metrics: ServeMetrics())
        for index in 0..<1_000 where sides[index] {
            #expect(try await wider.infer(scalarRequest(0), routingKey: "user-\(index)").modelVersion == "2")
        }
        // Without the header's value the split is random.
        let unkeyed = try await Self.candidateAnswers(first, count: 2_000)
        #expect(unkeyed > 400 && unkeyed < 800, "\(unkeyed) of 2,000 unkeyed requests on the candidate at 30 %")
    }

    @Test func aShadowNeverAnswersTheCallerAndItsAgreementIsCounted() async throws {
        let metrics = ServeMetrics()
        let stable = ScriptedVersion(version: "1", answer: { $0 })
        // The candidate agrees on even inputs (within the tolerance) and is off by half on odd ones.
        let candidate = ScriptedVersion(version: "2", answer: { $0.truncatingRemainder(dividingBy: 2) == 0 ? $0 * (1 + 5e-3) : $0 * 1.5 + 0.5 })
        let comparisons = Collected<ShadowComparison>()
        let deployment = DeploymentEndpoint(name: "churn", plan: RoutePlan(stable: stable, candidate: candidate, mode: .shadow, generation: 3),
                                            metrics: metrics, onShadow: { comparisons.append($0) }, maxShadowCallsInFlight: 10_000)
        for index in 0..<1_000 {
            let answer = try await deployment.infer(scalarRequest(Double(index)))
            #expect(answer.modelVersion == "1" && answer.modelName == "churn")
            #expect(answer.outputs[0].data == .numbers([Double(index)]))
        }
        try await waitForShadows(deployment)
        #expect(stable.callCount == 1_000 && candidate.callCount == 1_000)
        #expect(metricValue(metrics, #"mlp_shadow_requests_total{deployment="churn",outcome="agree"}"#) == 500)
        #expect(metricValue(metrics, #"mlp_shadow_requests_total{deployment="churn",outcome="disagree"}"#) == 500)
        #expect(metricValue(metrics, #"mlp_shadow_requests_total{deployment="churn",outcome="dropped"}"#) == 0)
        #expect(metricValue(metrics, #"mlp_deployment_candidate_percent{deployment="churn"}"#) == 0)
        let seen = comparisons.values
        #expect(seen.count == 1_000)
        let odd = try #require(seen.first { $0.outcome == .disagree })
        #expect(odd.generation == 3 && odd.stableVersion == "1" && odd.candidateVersion == "2")
        #expect(odd.candidate.response?.modelVersion == "2" && odd.stable.response?.modelVersion == "1")
        #expect(odd.difference?.contains("output 'score': element 0 is") == true, "\(odd.difference ?? "no difference")")
    }

    @Test func aShadowDropsCopiesBeyondItsLimitWithoutMakingTheCallerWait() async throws {
        let metrics = ServeMetrics()
        let stable = ScriptedVersion(version: "1")
        let candidate = ScriptedVersion(version: "2", held: true)   // its calls wait until released
        let deployment = DeploymentEndpoint(name: "churn", plan: RoutePlan(stable: stable, candidate: candidate, mode: .shadow),
                                            metrics: metrics, maxShadowCallsInFlight: 4)
        for index in 0..<20 {
            #expect(try await deployment.infer(scalarRequest(Double(index))).modelVersion == "1")
        }
        // All 20 callers were answered while every copy sent to the candidate was still held.
        #expect(deployment.shadowCallsInFlight == 4)
        #expect(metricValue(metrics, #"mlp_shadow_requests_total{deployment="churn",outcome="dropped"}"#) == 16)
        candidate.release()
        try await waitForShadows(deployment)
        #expect(candidate.callCount == 4)
        #expect(metricValue(metrics, #"mlp_shadow_requests_total{deployment="churn",outcome="agree"}"#) == 4)
    }

    @Test func anErrorRateBreachRollsTheCandidateBackOnceAndNoCallerSeesItsFailures() async throws {
        let metrics = ServeMetrics()
        let stable = ScriptedVersion(version: "1")
        let candidate = ScriptedVersion(version: "2", fails: { $0 % 10 < 3 })   // 30 % of its calls fail
        let rollbacks = Collected<AutoRollback>()
        let plan = RoutePlan(stable: stable, candidate: candidate, mode: .canary(percent: 50, stickyHeader: nil),
                             rollback: RollbackPolicy(maxErrorRate: 0.05, minRequests: 50, window: 200), generation: 7)
        let deployment = DeploymentEndpoint(name: "churn", plan: plan, metrics: metrics, onAutoRollback: { rollbacks.append($0) }, randomSeed: 9)
        for index in 0..<1_000 {
            // A failed candidate call is answered by stable, so the caller never fails.
            let answer = try await deployment.infer(scalarRequest(Double(index)))
            #expect(answer.outputs[0].data == .numbers([Double(index)]))
        }
        let report = try #require(rollbacks.values.first)
        #expect(rollbacks.values.count == 1)
        // Judging starts at the 50th candidate request, where 15 of 50 had failed.
        #expect(report.deployment == "churn" && report.candidateVersion == "2" && report.generation == 7)
        #expect(report.requests == 50 && report.errorRate == 0.3)
        #expect(report.reason == "error rate 0.30 over the last 50 requests > 0.05")
        #expect(candidate.callCount == 50, "the candidate was called \(candidate.callCount) times; after the rollback it gets nothing")
        #expect(deployment.plan.mode == .direct && deployment.plan.candidate == nil && deployment.plan.generation == 7)
        #expect(metricValue(metrics, #"mlp_deployment_auto_rollbacks_total{deployment="churn"}"#) == 1)
        #expect(metricValue(metrics, #"mlp_deployment_fallbacks_total{deployment="churn",version="2"}"#) == 15)
        #expect(metricValue(metrics, #"mlp_deployment_candidate_percent{deployment="churn"}"#) == 0)

        // The watcher re-applying the rolled-back generation does not bring the candidate back;
        // a new generation does.
        deployment.apply(plan)
        #expect(deployment.plan.candidate == nil && deployment.versions == ["1"])
        var next = plan
        next.generation = 8
        deployment.apply(next)
        #expect(deployment.versions == ["1", "2"])
        #expect(rollbacks.values.count == 1)
    }

    @Test func onlyTheCandidatesOwnFailuresCountTowardsARollback() async throws {
        let policy = RollbackPolicy(maxErrorRate: 0.05, minRequests: 5, window: 10)
        // A request both versions refuse is the caller's fault: the caller gets stable's 400 and
        // the candidate is not judged for it.
        let rollbacks = Collected<AutoRollback>()
        let strict = DeploymentEndpoint(name: "churn", plan: RoutePlan(stable: ScriptedVersion(version: "1"), candidate: ScriptedVersion(version: "2"),
                                                                       mode: .canary(percent: 100, stickyHeader: nil), rollback: policy),
                                        metrics: ServeMetrics(), onAutoRollback: { rollbacks.append($0) })
        for _ in 0..<20 {
            let error = await #expect(throws: ServeError.self) { try await strict.infer(InferenceRequest(inputs: [])) }
            #expect(error?.status == .badRequest)
        }
        #expect(rollbacks.values.isEmpty && strict.versions == ["1", "2"])

        // A candidate that refuses what stable takes is broken for those requests: stable answers
        // them and they count against the candidate.
        let picky = ScriptedVersion(version: "2", refuses: { $0 < 0 })
        let incompatible = DeploymentEndpoint(name: "churn", plan: RoutePlan(stable: ScriptedVersion(version: "1"), candidate: picky,
                                                                             mode: .canary(percent: 100, stickyHeader: nil), rollback: policy, generation: 2),
                                              metrics: ServeMetrics(), onAutoRollback: { rollbacks.append($0) })
        for index in 0..<20 {
            let answer = try await incompatible.infer(scalarRequest(index % 2 == 0 ? -1 : 1))
            #expect(answer.modelVersion == (index % 2 == 0 || rollbacks.values.count == 1 ? "1" : "2"))
        }
        #expect(rollbacks.values.count == 1 && rollbacks.values.first?.generation == 2)
        #expect(picky.callCount == 5)
    }

    @Test func reApplyingTheSamePlanKeepsTheWindowAndANewGenerationStartsAfresh() async throws {
        let rollbacks = Collected<AutoRollback>()
        let broken = ScriptedVersion(version: "2", fails: { _ in true })
        let plan = RoutePlan(stable: ScriptedVersion(version: "1"), candidate: broken, mode: .canary(percent: 100, stickyHeader: nil),
                             rollback: RollbackPolicy(maxErrorRate: 0.5, minRequests: 10, window: 10), generation: 1)
        let deployment = DeploymentEndpoint(name: "churn", plan: plan, metrics: ServeMetrics(), onAutoRollback: { rollbacks.append($0) })
        for index in 0..<6 { _ = try await deployment.infer(scalarRequest(Double(index))) }
        var next = plan
        next.generation = 2
        deployment.apply(next)   // a new generation: its candidate is judged from nothing
        for index in 0..<5 { _ = try await deployment.infer(scalarRequest(Double(index))) }
        deployment.apply(next)   // the same plan again (a watcher polling): the window carries on
        for index in 0..<4 { _ = try await deployment.infer(scalarRequest(Double(index))) }
        #expect(rollbacks.values.isEmpty && broken.callCount == 15)
        _ = try await deployment.infer(scalarRequest(0))
        #expect(rollbacks.values.map(\.generation) == [2] && rollbacks.values.first?.requests == 10)
    }

    @Test func aSlowCandidateIsRolledBackOnItsP99() async throws {
        let rollbacks = Collected<AutoRollback>()
        let slow = ScriptedVersion(version: "2", delay: .milliseconds(5))
        let deployment = DeploymentEndpoint(
            name: "churn", plan: RoutePlan(stable: ScriptedVersion(version: "1"), candidate: slow, mode: .canary(percent: 100, stickyHeader: nil),
                                           rollback: RollbackPolicy(maxP99Seconds: 0.002, minRequests: 20, window: 50), generation: 4),
            metrics: ServeMetrics(), onAutoRollback: { rollbacks.append($0) })
        for index in 0..<40 { _ = try await deployment.infer(scalarRequest(Double(index))) }
        let report = try #require(rollbacks.values.first)
        #expect(rollbacks.values.count == 1 && report.generation == 4 && report.requests == 20 && report.errorRate == 0)
        #expect(report.p99Seconds >= 0.005 && report.reason.hasPrefix("p99 latency ") && report.reason.hasSuffix("over the last 20 requests > 0.002 s"),
                "\(report.reason)")
        #expect(slow.callCount == 20)

        // A candidate well inside the limit is left alone. (The p99 of a window of 50 is its slowest
        // call, so the limit is far above any stall of a loaded 2-core machine.)
        let fast = DeploymentEndpoint(
            name: "churn", plan: RoutePlan(stable: ScriptedVersion(version: "1"), candidate: ScriptedVersion(version: "2"),
                                           mode: .canary(percent: 100, stickyHeader: nil), rollback: RollbackPolicy(maxP99Seconds: 30, minRequests: 20, window: 50)),
            metrics: ServeMetrics(), onAutoRollback: { rollbacks.append($0) })
        for index in 0..<100 { _ = try await fast.infer(scalarRequest(Double(index))) }
        #expect(rollbacks.values.count == 1 && fast.versions == ["1", "2"])
    }

    @Test func theRollbackWindowsP99MatchesSortingAndItsBreachAgrees() {
        var generator = SplitMix64(seed: 20261202)   // fixed: a failure replays
        for window in [1, 7, 100, 200] {
            var judged = CandidateWindow(policy: RollbackPolicy(maxP99Seconds: 0.5, minRequests: 1, window: window))
            var recent: [Double] = []
            for _ in 0..<(3 * window) {
                let seconds = Double.random(in: 0..<0.55, using: &generator)
                judged.add(failed: false, seconds: seconds)
                recent = Array((recent + [seconds]).suffix(window))
                let sorted = recent.sorted()
                let p99 = sorted[Int((0.99 * Double(sorted.count)).rounded(.up)) - 1]
                #expect(judged.p99Seconds == p99)
                #expect((judged.breach != nil) == (p99 > 0.5), "window \(window): p99 \(p99), breach \(judged.breach ?? "none")")
            }
        }
    }

    @Test func swappingPlansUnderLoadFailsNoRequest() async throws {
        let versions = (1...3).map { ScriptedVersion(version: "\($0)") }
        let plans: [RoutePlan] = [
            RoutePlan(stable: versions[0], candidate: versions[1], mode: .canary(percent: 50, stickyHeader: nil), generation: 1),
            RoutePlan(stable: versions[1], generation: 2),
            RoutePlan(stable: versions[1], candidate: versions[2], mode: .shadow, generation: 3),
            RoutePlan(stable: versions[2], candidate: versions[0], mode: .canary(percent: 90, stickyHeader: "X-User"), generation: 4),
        ]
        let deployment = DeploymentEndpoint(name: "churn", plan: plans[0], metrics: ServeMetrics(), maxShadowCallsInFlight: 8)
        // The swaps come from a thread of their own, as the store watcher's would. Each caller
        // sends at least 100 requests and keeps going until 100 swaps have happened, so the two
        // overlap however the machine schedules them. Between requests each caller sleeps briefly
        // rather than spinning on Task.yield, which kept both cores busy and starved the tests
        // running beside this one on a 2-core machine.
        let swapsDone = Collected<Int>(), callersDone = Collected<Bool>()
        Thread.detachNewThread {
            var count = 0
            while callersDone.values.isEmpty {
                deployment.apply(plans[count % plans.count])
                count += 1
                if count == 100 { swapsDone.append(count) }
                usleep(200)
            }
            swapsDone.append(count)
        }
        let (answered, failed) = await withTaskGroup(of: (Int, Int).self) { group -> (Int, Int) in
            for caller in 0..<16 {
                group.addTask {
                    var answered = 0, failed = 0
                    while answered + failed < 100 || swapsDone.values.isEmpty {
                        do {
                            let answer = try await deployment.infer(scalarRequest(Double(answered)), routingKey: "user-\(caller)")
                            if answer.modelName == "churn", answer.outputs[0].data == .numbers([Double(answered)]) { answered += 1 } else { failed += 1 }
                        } catch {
                            failed += 1
                        }
                        try? await Task.sleep(for: .microseconds(100))   // the in-test versions never suspend; real ones do
                    }
                    return (answered, failed)
                }
            }
            var answered = 0, failed = 0
            for await (a, f) in group { answered += a; failed += f }
            return (answered, failed)
        }
        callersDone.append(true)
        while swapsDone.values.count < 2 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(failed == 0 && answered >= 1_600, "\(answered) answered, \(failed) failed, \(swapsDone.values[1]) swaps")
        try await waitForShadows(deployment)
    }

    @Test func aRequestFinishesOnTheVersionItPickedWhenThePlanChanges() async throws {
        let old = ScriptedVersion(version: "1", held: true), new = ScriptedVersion(version: "2")
        let deployment = DeploymentEndpoint(name: "churn", plan: RoutePlan(stable: old), metrics: ServeMetrics())
        let started = Task { try await deployment.infer(scalarRequest(1)) }
        while old.callCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
        deployment.apply(RoutePlan(stable: new, generation: 2))
        #expect(try await deployment.infer(scalarRequest(2)).modelVersion == "2")
        old.release()
        #expect(try await started.value.modelVersion == "1")
    }

    @Test func answersAgreeWhenOutputsMatchWithinTheTolerance() {
        func answer(_ outputs: [InferenceResponse.OutputTensor]) -> InferenceResponse {
            InferenceResponse(modelName: "m", modelVersion: "1", id: nil, outputs: outputs)
        }
        let labels = InferenceResponse.OutputTensor(name: "label", shape: [2], datatype: .bytes, data: .strings(["a", "b"]))
        let scores = InferenceResponse.OutputTensor(name: "p", shape: [2], datatype: .fp64, data: .numbers([0.5, 2000]))
        let stable = answer([labels, scores])
        #expect(AnswerAgreement.agree(stable: stable, candidate: answer([scores, labels])))
        // Within 1 % relative (0.01 absolute below 1): FP32 floats against FP64 numbers.
        #expect(AnswerAgreement.agree(stable: stable, candidate: answer([labels, .init(name: "p", shape: [2], datatype: .fp32, data: .floats([0.509, 2019]))])))
        #expect(AnswerAgreement.difference(stable: stable, candidate: answer([labels, .init(name: "p", shape: [2], datatype: .fp64, data: .numbers([0.5, 2021]))]))
                == "output 'p': element 1 is 2021.0 where stable gives 2000.0")
        #expect(!AnswerAgreement.agree(stable: stable, candidate: answer([labels, .init(name: "p", shape: [2], datatype: .fp64, data: .numbers([0.511, 2000]))])))
        #expect(AnswerAgreement.difference(stable: stable, candidate: answer([.init(name: "label", shape: [2], datatype: .bytes, data: .strings(["a", "c"])), scores]))
                == "output 'label': element 1 is 'c' where stable gives 'b'")
        #expect(AnswerAgreement.difference(stable: stable, candidate: answer([labels]))?.hasPrefix("the outputs differ") == true)
        let renamed = InferenceResponse.OutputTensor(name: "q", shape: [2], datatype: .fp64, data: .numbers([0.5, 2000]))
        #expect(AnswerAgreement.difference(stable: stable, candidate: answer([labels, renamed]))
                == #"the outputs differ: stable gives ["label", "p"], the candidate ["label", "q"]"#)
        #expect(!AnswerAgreement.agree(stable: stable, candidate: answer([renamed, labels])))
        #expect(AnswerAgreement.difference(stable: stable, candidate: answer([labels, .init(name: "p", shape: [1, 2], datatype: .fp64, data: .numbers([0.5, 2000]))]))
                == "output 'p': shape [1, 2] where stable gives [2]")
        let classes = InferenceResponse.OutputTensor(name: "c", shape: [1], datatype: .int64, data: .numbers([3]))
        #expect(!AnswerAgreement.agree(stable: answer([classes]), candidate: answer([.init(name: "c", shape: [1], datatype: .int64, data: .numbers([3.00001]))])))
        #expect(!AnswerAgreement.agree(stable: answer([classes]), candidate: answer([.init(name: "c", shape: [1], datatype: .fp64, data: .numbers([3]))])))
        let nan = InferenceResponse.OutputTensor(name: "p", shape: [1], datatype: .fp64, data: .numbers([.nan]))
        #expect(AnswerAgreement.agree(stable: answer([nan]), candidate: answer([nan])))
        #expect(!AnswerAgreement.agree(stable: answer([nan]), candidate: answer([.init(name: "p", shape: [1], datatype: .fp64, data: .numbers([0]))])))
    }

    /// Two retrained classifiers agree when they pick the same class, however their probabilities
    /// differ (issue 13: probabilities within 1e-4 counted every retrained pair as disagreeing).
    @Test func classifiersAgreeOnTheLabelNotOnTheProbabilities() {
        func answer(labels: [String], probabilities: [Double]) -> InferenceResponse {
            InferenceResponse(modelName: "m", modelVersion: "1", id: nil, outputs: [
                .init(name: "label", shape: [labels.count], datatype: .bytes, data: .strings(labels)),
                .init(name: "probabilities", shape: [labels.count, 3], datatype: .fp64, data: .numbers(probabilities)),
            ])
        }
        let stable = answer(labels: ["a", "c"], probabilities: [0.7, 0.2, 0.1, 0.1, 0.3, 0.6])
        let retrained = answer(labels: ["a", "c"], probabilities: [0.52, 0.40, 0.08, 0.2, 0.35, 0.45])
        #expect(AnswerAgreement.agree(stable: stable, candidate: retrained))
        let other = answer(labels: ["a", "b"], probabilities: [0.7, 0.2, 0.1, 0.1, 0.5, 0.4])
        #expect(AnswerAgreement.difference(stable: stable, candidate: other) == "output 'label': element 1 is 'b' where stable gives 'c'")
        // Asked for the probabilities alone, the most probable class decides.
        let onlyProbabilities = { (response: InferenceResponse) in
            InferenceResponse(modelName: "m", modelVersion: "1", id: nil, outputs: response.outputs.filter { $0.name == "probabilities" })
        }
        #expect(AnswerAgreement.agree(stable: onlyProbabilities(stable), candidate: onlyProbabilities(retrained)))
        #expect(AnswerAgreement.difference(stable: onlyProbabilities(stable), candidate: onlyProbabilities(other))
                == "output 'probabilities': row 1 picks class 1 where stable picks class 2")
        // A regressor's prediction agrees within 1 % (0.01 below 1).
        func prediction(_ values: [Double]) -> InferenceResponse {
            InferenceResponse(modelName: "m", modelVersion: "1", id: nil, outputs: [.init(name: "prediction", shape: [values.count], datatype: .fp64, data: .numbers(values))])
        }
        #expect(AnswerAgreement.agree(stable: prediction([250, 0.3]), candidate: prediction([252, 0.309])))
        #expect(!AnswerAgreement.agree(stable: prediction([250, 0.3]), candidate: prediction([253, 0.3])))
        #expect(!AnswerAgreement.agree(stable: prediction([250, 0.3]), candidate: prediction([250, 0.311])))
    }

    @Test func plansAndPoliciesFromUserInputAreChecked() throws {
        let stable = ScriptedVersion(version: "1")
        #expect(throws: DeploymentPlanError("a canary needs a candidate version; give one, or deploy directly")) {
            try RoutePlan(stable: stable, mode: .canary(percent: 10, stickyHeader: nil)).validated()
        }
        #expect(throws: DeploymentPlanError("the canary's traffic is 120.0 %; give 0...100")) {
            try RoutePlan(stable: stable, candidate: stable, mode: .canary(percent: 120, stickyHeader: nil)).validated()
        }
        #expect(throws: DeploymentPlanError("the rollback needs 0 requests before judging; give at least 1")) {
            try RollbackPolicy(maxErrorRate: 0.1, minRequests: 0).validated()
        }
        // A window smaller than the requests needed grows to them.
        var window = CandidateWindow(policy: RollbackPolicy(maxErrorRate: 0.5, minRequests: 300, window: 200))
        for _ in 0..<299 { window.add(failed: true, seconds: 0) }
        #expect(window.breach == nil && window.count == 299)
        window.add(failed: true, seconds: 0)
        #expect(window.breach == "error rate 1.00 over the last 300 requests > 0.5")
        #expect(throws: DeploymentPlanError.self) { try RollbackPolicy(maxErrorRate: 5).validated() }
        #expect(try RollbackPolicy(maxErrorRate: 0.05).validated() == RollbackPolicy(maxErrorRate: 0.05, minRequests: 50, window: 200))
        // A canary without a candidate serves everything from stable.
        let lone = DeploymentEndpoint(name: "d", plan: RoutePlan(stable: stable, mode: .canary(percent: 50, stickyHeader: "X-User")), metrics: ServeMetrics())
        #expect(lone.stickyHeader == nil && lone.versions == ["1"])
    }
}
