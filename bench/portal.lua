-- wrk: each request opens /vendor as the next of the contacts whose session tokens are in
-- the file named by PORTAL_TOKENS (one per line), so every connection cycles through
-- contacts of different vendors.
local tokens = {}
for line in io.lines(os.getenv("PORTAL_TOKENS")) do
  tokens[#tokens + 1] = line
end
local i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", "/vendor", { ["Cookie"] = "registry_vendor_session=" .. tokens[i] })
end
