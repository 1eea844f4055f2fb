// SPDX-License-Identifier: MIT
// C++ new and delete reach the shim through libstdc++: 16 arrays of 4 KiB stay live.
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

// Visible and read at the end, so that the compiler cannot drop the allocations.
char *kept[16];
size_t total;

extern "C" __attribute__((noinline)) void cxx_leak(int i)
{
	kept[i] = new char[4096];
	std::memset(kept[i], i, 4096);
}

extern "C" __attribute__((noinline)) void cxx_churn(int n)
{
	std::vector<std::string> v;

	for (int i = 0; i < n; i++)
		v.push_back(std::string(100 + i, 'x'));
	for (auto &s : v)
		total += s.size();
	int *one = new int(5);
	total += (size_t)*one;
	delete one;
}

int main()
{
	for (int i = 0; i < 16; i++) {
		cxx_leak(i);
		cxx_churn(50);
	}
	for (int i = 0; i < 16; i++)
		total += (size_t)kept[i][0];
	return total == 0;
}
