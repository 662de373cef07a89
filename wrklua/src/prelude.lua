-- The `wrk` table's Lua side, as wg/wrk src/wrk.lua defines it (rewritten for tfw-bench):
-- wrk.format builds one HTTP/1.1 request, wrk.init adds the Host header, calls the script's
-- init(args) and builds the default request once, wrk.setup calls the script's setup(thread).
local wrk = ...

wrk.scheme  = "http"
wrk.host    = "localhost"
wrk.port    = nil
wrk.method  = "GET"
wrk.path    = "/"
wrk.headers = {}
wrk.body    = nil
wrk.thread  = nil

function wrk.resolve(host, service)
   local found = wrk.lookup(host, service)
   local i = #found
   while i >= 1 do
      if not wrk.connect(found[i]) then
         table.remove(found, i)
      end
      i = i - 1
   end
   wrk.addrs = found
end

function wrk.setup(thread)
   thread.addr = wrk.addrs[1]
   if type(setup) == "function" then
      setup(thread)
   end
end

function wrk.init(args)
   if not wrk.headers["Host"] then
      local authority = wrk.host
      if authority:find(":") then
         authority = "[" .. authority .. "]"
      end
      if wrk.port then
         authority = authority .. ":" .. wrk.port
      end
      wrk.headers["Host"] = authority
   end

   if type(init) == "function" then
      init(args)
   end

   local prepared = wrk.format()
   wrk.request = function()
      return prepared
   end
end

function wrk.format(method, path, headers, body)
   method  = method  or wrk.method
   path    = path    or wrk.path
   headers = headers or wrk.headers
   body    = body    or wrk.body

   if not headers["Host"] then
      headers["Host"] = wrk.headers["Host"]
   end
   if body then
      headers["Content-Length"] = string.len(body)
   else
      headers["Content-Length"] = nil
   end

   local lines = { string.format("%s %s HTTP/1.1", method, path) }
   for name, value in pairs(headers) do
      lines[#lines + 1] = string.format("%s: %s", name, value)
   end
   lines[#lines + 1] = ""
   lines[#lines + 1] = body or ""
   return table.concat(lines, "\r\n")
end

return wrk
