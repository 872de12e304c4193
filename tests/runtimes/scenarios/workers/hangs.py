"""Waits in wall-clock time (a threading.Event nobody sets) instead of in a long poll: virtual
time can never move on. (time.sleep would not do: a worker's sleep takes virtual time.)"""
import threading

threading.Event().wait()
