// Times CSVReader.read, Profile and DatasetFile.write apart, in one process, three rounds: the parts of
// the connector/csv step that are MLPData's (components.sh compiles this with MLPData's sources).
import Foundation
func cpu() -> Double { var u = rusage(); getrusage(RUSAGE_SELF.rawValue, &u); return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6 }
func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
let path = CommandLine.arguments[1]
for round in 0..<3 {
  var c0 = cpu(); var t0 = now()
  let ds = try CSVReader.read(path: path)
  var t1 = now()
  let parse = (t1 - t0, cpu() - c0)
  c0 = cpu(); t0 = now()
  let profile = Profile(ds)
  t1 = now()
  let prof = (t1 - t0, cpu() - c0)
  c0 = cpu(); t0 = now()
  try DatasetFile.write(ds, to: "/tmp/csvbench-out.mlpds", profile: profile)
  t1 = now()
  let write = (t1 - t0, cpu() - c0)
  print(String(format: "round %d: parse %.3f s (cpu %.3f), profile %.3f (cpu %.3f), write %.3f (cpu %.3f)", round, parse.0, parse.1, prof.0, prof.1, write.0, write.1))
  unlink("/tmp/csvbench-out.mlpds")
}
