// Peer of tests/std_order.rs: replays a seeded sequence of insertions, erasures and clears on
// libstdc++'s std::unordered_map and prints the iteration order after each step, for
// int64 keys and for string keys.
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>

static uint64_t state;
static uint64_t next() {
	uint64_t z = (state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

int main(int argc, char** argv) {
	state = argc > 1 ? std::stoull(argv[1]) : 1;
	int steps = argc > 2 ? std::stoi(argv[2]) : 2000;
	std::unordered_map<int64_t, int> ints;
	std::unordered_map<std::string, int> strs;
	for(int i = 0; i < steps; i++) {
		uint64_t r = next();
		int64_t key = (int64_t)(next() % 3000) - 100;
		std::string skey = "field_" + std::to_string(next() % 500);
		switch(r % 100) {
		case 0:
			ints.clear();
			strs.clear();
			break;
		default:
			if(r % 100 < 30) {
				ints.erase(key);
				strs.erase(skey);
			} else {
				ints[key] = i;
				strs[skey] = i;
			}
		}
		if(i % 50 == 49 || i == steps - 1) {
			printf("I %zu", ints.bucket_count());
			for(auto& kv : ints) printf(" %lld", (long long)kv.first);
			printf("\nS %zu", strs.bucket_count());
			for(auto& kv : strs) printf(" %s", kv.first.c_str());
			printf("\n");
		}
	}
	return 0;
}
