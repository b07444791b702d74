# Forward-pass throughput of a MiniLM-shaped BERT with random weights: f32, Q8_0, Q4_0.
.PHONY: bench-bert
bench-bert: deps
	$(SWIFT) build -c release --product bert-forward-bench
	.build/release/bert-forward-bench --threads 2 --batch 32 --batches 20
