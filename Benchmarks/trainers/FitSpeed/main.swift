// The fit of trainer/mlp and trainer/linear on numeric CSV files, compiled with -O straight from
// MLPTrain's model sources (see fit_speed.sh), for timing without building all of mlp in release.
//
//   fit-speed mlp|linear TRAIN.csv HOLDOUT.csv [SEED]
//
// The last CSV column is the target. Prints one JSON object: fit_seconds, and holdout accuracy
// (mlp) or rmse and r2 (linear), and cpu_seconds: the fit's processor time.
import Foundation

func readCSV(_ path: String) -> (FeatureMatrix, [Double]) {
    let lines = try! String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
    var values: [Double] = [], targets: [Double] = [], width = 0
    for line in lines {
        let fields = line.split(separator: ",").map { Double($0)! }
        width = fields.count - 1
        values += fields.dropLast()
        targets.append(fields.last!)
    }
    return (FeatureMatrix(rows: targets.count, columns: width, values: values), targets)
}

let arguments = CommandLine.arguments
let (x, y) = readCSV(arguments[2])
let (holdoutX, holdoutY) = readCSV(arguments[3])
let seed = arguments.count > 4 ? UInt64(arguments[4])! : 0
let start = DispatchTime.now().uptimeNanoseconds, startCPU = clock()
func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
/// Processor time of the process since the start (the machine may be shared: wall time then overstates the fit).
func cpuSeconds() -> Double { Double(clock() - startCPU) / Double(CLOCKS_PER_SEC) }

if arguments[1] == "mlp" {
    let classes = Array(Set(y)).sorted()
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    var settings = NeuralNetworkSettings()
    settings.seed = seed
    let network = try NeuralNetwork.fit(x, targets: .classes(y.map { index[$0]! }, count: classes.count), settings: settings)
    let fit = seconds(), cpu = cpuSeconds()
    let probabilities = network.probabilities(holdoutX)
    let correct = zip(probabilities, holdoutY).filter { row, truth in classes[row.indices.max { row[$0] < row[$1] }!] == truth }.count
    print("{\"fit_seconds\": \(fit), \"cpu_seconds\": \(cpu), \"epochs\": \(network.epochs), \"accuracy\": \(Double(correct) / Double(holdoutY.count))}")
} else {
    let model = try LinearRegression.fit(x, y: y)
    let fit = seconds(), cpu = cpuSeconds()
    let predicted = model.predict(holdoutX)
    let mean = holdoutY.reduce(0, +) / Double(holdoutY.count)
    let residual = zip(predicted, holdoutY).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    let total = holdoutY.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    print("{\"fit_seconds\": \(fit), \"cpu_seconds\": \(cpu), \"rmse\": \((residual / Double(holdoutY.count)).squareRoot()), \"r2\": \(1 - residual / total)}")
}
