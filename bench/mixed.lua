-- wrk script: the mixed lab workload of issue 13. Every session chains
--   mmap 16 KiB -> write one page -> pin_user_pages_fast 1 page (FOLL_WRITE|FOLL_LONGTERM)
--   -> unpin_user_pages -> munmap
-- over and over. Sessions come from the file named by SESSIONS ("sid token" per line), split
-- between wrk's threads (THREADS). A session has at most one request in flight: each request
-- carries X-Request-Id "s<index>", the server echoes it, and response() puts that session back
-- in the ready queue with its next step, so every chain runs in order on a loaded server too.
-- ADDR is the address mmap returns (the simulator has no ASLR: the same in every session).

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

local sessions = {}
local ready, head, tail = {}, 1, 0
local addr = os.getenv("ADDR")
errors = 0

local bodies = {
   '{"length":16384,"prot":["PROT_READ","PROT_WRITE"],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}',
   '{"addr":"' .. addr .. '","length":4096,"access":"write","value":42}',
   '{"call":"pin_user_pages_fast","start":"' .. addr .. '","nrPages":1,"gupFlags":["FOLL_WRITE","FOLL_LONGTERM"]}',
   '{"how":"unpin_user_pages"}',
   '{"addr":"' .. addr .. '","length":16384}',
}
local paths = { "/processes/1/mmap", "/processes/1/access", "/processes/1/gup", nil, "/processes/1/munmap" }
-- a placeholder pin id, found once in the formatted release request (it occurs nowhere else there)
local PIN = "987654321987654321"

-- the request of step STEP (0-4) of session S with index IDX; the release names the pin
local function format(s, idx, step)
   local path = step == 3 and ("/pins/" .. s.pin .. "/release") or paths[step + 1]
   local headers = { ["Content-Type"] = "application/json", ["Authorization"] = s.auth, ["X-Request-Id"] = "s" .. idx }
   return wrk.format("POST", s.prefix .. path, headers, bodies[step + 1])
end

function init(args)
   local nthreads = tonumber(os.getenv("THREADS") or "2")
   local i = 0
   for line in io.lines(os.getenv("SESSIONS")) do
      if i % nthreads == tid - 1 then
         local sid, token = line:match("(%S+) (%S+)")
         local s = { prefix = "/api/v1/sessions/" .. sid, auth = "Bearer " .. token, step = 0, pin = 0 }
         table.insert(sessions, s)
         -- the four requests that never change are formatted once, and the release around its
         -- pin id (the Lua per request is wrk's CPU, on the same cores as the server's)
         s.requests = {}
         for step = 0, 4 do
            if step ~= 3 then s.requests[step + 1] = format(s, #sessions, step) end
         end
         s.pin = PIN
         s.release = { format(s, #sessions, 3):match("^(.-)" .. PIN .. "(.*)$") }
         s.pin = 0
         tail = tail + 1
         ready[tail] = #sessions
      end
      i = i + 1
   end
end

function request()
   local idx
   if head <= tail then
      idx = ready[head]; ready[head] = nil; head = head + 1
   else
      idx = 1 -- every session busy (more connections than sessions): should not happen
   end
   local s = sessions[idx]
   return s.requests[s.step + 1] or (s.release[1] .. s.pin .. s.release[2])
end

function response(status, hdrs, body)
   local idx = tonumber((hdrs["X-Request-Id"] or ""):sub(2))
   local s = idx and sessions[idx]
   if not s then errors = errors + 1; return end
   -- a kernel failure (errno set) would mean the chain fell out of order: count it
   if status ~= 200 or body:find('"errno":"', 1, true) then errors = errors + 1 end
   if s.step == 2 then s.pin = tonumber(body:match('"pin":{"id":(%d+)') or "0") end
   s.step = (s.step + 1) % 5
   tail = tail + 1
   ready[tail] = idx
end

function done(summary, latency, requests)
   local e = 0
   for _, t in ipairs(threads) do e = e + tonumber(t:get("errors")) end
   io.write(string.format("chain errors: %d\n", e))
end
