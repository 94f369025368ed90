"""Streamlit entry point (placeholder until the app issue lands)."""

import streamlit as st

st.set_page_config(page_title="生态环境分区管控符合性筛查", layout="wide")
st.title("生态环境分区管控符合性筛查")
st.caption("Eco-zoning conflict screener for Hunan — the app is being built.")
