# The station's rules, below its front ends (folio, the console, the clerk UI): approval and
# its checks, the batch moves, what may still change; a scanner profile as the scanner and the
# image stage take it.
lib-y += firmware/core/batch.o firmware/core/message.o firmware/core/profile.o firmware/core/search.o
