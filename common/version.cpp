// Keeps netraid-common a real archive before its first shared module lands.
namespace netraid::common {
extern const char* const kCommonLibrary;
const char* const kCommonLibrary = "netraid-common";
}  // namespace netraid::common
